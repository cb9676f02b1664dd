// ANSI colors for terminal output, off when stdout is not a TTY or NO_COLOR is set.
const enabled = process.stdout.isTTY === true && !process.env.NO_COLOR

const wrap = (open: number, close: number) => (text: string) =>
  enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text

export const dim = wrap(2, 22)
export const bold = wrap(1, 22)
export const red = wrap(31, 39)
export const green = wrap(32, 39)
export const yellow = wrap(33, 39)
export const cyan = wrap(36, 39)
export const magenta = wrap(35, 39)
export const blue = wrap(34, 39)
