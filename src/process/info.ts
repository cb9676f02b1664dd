// What a child reports of itself, for routes, dashboards and metrics.

export type ChildState = 'starting' | 'ready' | 'backoff' | 'stopped' | 'failed'

export interface ChildExit {
  code: number | null
  signal: string | null
}

export interface ChildInfo {
  name: string
  command: string[]
  pid: number | undefined
  /** 'stopped' also before the first start. */
  state: ChildState
  ready: boolean
  /** ms since the current process became ready, 0 if not. */
  uptime: number
  restarts: number
  /** The current process's address, ready or still starting. */
  address: string | undefined
  lastExit?: ChildExit
}
