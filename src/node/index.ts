export { type NodeListener, type NodeListenerOptions, toNodeListener } from './listener.ts'
