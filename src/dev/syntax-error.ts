// tsx reports a syntax error as esbuild's TransformError, whose stack is esbuild's own
// (`node_modules/esbuild/lib/main.js`). The place is in its message (`file:line:column:
// ERROR: text`): the error pages show that file, with the line and a caret, as Vite does.
const TRANSFORM = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m

/** A TransformError becomes a SyntaxError whose one frame is the user's line; others pass. */
export function inUserCode(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== 'TransformError') return error
  const place = TRANSFORM.exec(error.message)
  if (place === null) return error
  const [, file, line, column, text] = place
  const syntax = new SyntaxError(text)
  // Youch reads the frame's file and marks the column; esbuild counts columns from 0.
  syntax.stack = `SyntaxError: ${text}\n    at ${file}:${line}:${Number(column) + 1}`
  return syntax
}
