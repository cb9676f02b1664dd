// No child outlives this process, however it ends.
//
// Each child runs in its own process group (spawn's `detached`), so that one signal reaches
// it and everything it started (a `flask run --debug` reloader, gunicorn's workers). stop()
// signals that group. When this process dies without stopping them, by SIGTERM, SIGINT,
// SIGKILL or a crash, nothing of ours runs any more, so one watchdog per process does it:
// a `/bin/sh` started once, holding the read end of a pipe whose only write end is ours.
// We write "+ <pgid> <grace>" when a child starts and "- <pgid>" when it is gone. The kernel
// closes our end when we die, however we die; the watchdog then reads EOF, sends SIGTERM to
// every group still listed, and SIGKILL after the longest grace to those still there.
//
// It runs in a session of its own and ignores SIGINT, SIGHUP and SIGTERM, so a Ctrl-C in the
// terminal (sent to the whole foreground group) or a TERM sent to our group kills us and
// not it before it has cleaned up. It costs one idle shell, blocked in read; it is unref'd,
// so it never keeps this process alive; and once no group is listed we close the pipe, and
// the EOF with nothing listed lets it exit. If it dies anyway, the next change starts a new
// one with every group still listed.
import { type ChildProcess, spawn } from 'node:child_process'
import type { Socket } from 'node:net'

const SCRIPT = `
trap '' INT HUP TERM
groups=' '
grace=0
while read -r op id ms; do
  case $op in
    +) groups="$groups$id "; [ "$ms" -gt "$grace" ] && grace=$ms ;;
    -) case $groups in *" $id "*) groups="\${groups%% $id *} \${groups#* $id }" ;; esac ;;
  esac
done
for id in $groups; do kill -TERM -$id 2>/dev/null; done
n=$((grace / 100 + 1))
while [ $n -gt 0 ]; do
  alive=
  for id in $groups; do kill -0 -$id 2>/dev/null && alive=1; done
  [ -z "$alive" ] && exit 0
  sleep 0.1
  n=$((n - 1))
done
for id in $groups; do kill -KILL -$id 2>/dev/null; done
`

/** Process group id → grace in ms, for every group that must not outlive us. */
const groups = new Map<number, number>()
let watchdog: ChildProcess | undefined

function start(): ChildProcess {
  const shell = spawn('/bin/sh', ['-c', SCRIPT], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
    cwd: '/',
  })
  shell.unref()
  // The pipe is a net.Socket (typed as a Writable): unref'd too, or it alone keeps us alive.
  ;(shell.stdin as Socket | null)?.unref()
  // Without /bin/sh there is no watchdog; stop() still works, a SIGKILL of ours is not covered.
  shell.on('error', () => {})
  shell.stdin?.on('error', () => {})
  shell.once('exit', () => {
    if (watchdog !== shell) return
    watchdog = undefined
    // Killed from outside while groups are listed: a new one takes them over.
    if (groups.size > 0) for (const [pgid, grace] of groups) send(`+ ${pgid} ${grace}`)
  })
  return shell
}

function send(line: string): void {
  watchdog ??= start()
  watchdog.stdin?.write(`${line}\n`)
}

/** Lists a child's process group: it gets SIGTERM, then SIGKILL after `grace`, if we die. */
export function watch(pgid: number, grace: number): void {
  groups.set(pgid, grace)
  send(`+ ${pgid} ${Math.ceil(grace)}`)
}

/** The group is gone: nothing to do for it any more. The watchdog exits with the last one. */
export function unwatch(pgid: number): void {
  if (!groups.delete(pgid) || watchdog === undefined) return
  watchdog.stdin?.write(`- ${pgid}\n`)
  if (groups.size > 0) return
  watchdog.stdin?.end()
  watchdog = undefined
}

/** The watchdog's pid, for tests; undefined while none runs. */
export function watchdogPid(): number | undefined {
  return watchdog?.pid
}

/** Sends `signal` to a whole process group; false if it has no process left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false
  }
}
