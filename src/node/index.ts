export { type NodeListener, type NodeListenerOptions, toNodeListener } from './listener.ts'
export { toUpgradeListener, type UpgradeListener } from './upgrade.ts'
