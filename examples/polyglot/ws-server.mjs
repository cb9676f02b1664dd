// The WebSocket part of the polyglot demo: a `ws` echo server in its own Node process,
// started by spawn() on the port in PORT and mounted at /ws. A plain GET gets a page whose
// script talks to it through switchyard; an upgrade gets the echo.
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'

const page = `<!doctype html><title>WebSocket echo</title><h1>WebSocket echo, in its own process</h1>
<form><input name="text" value="hello" autofocus> <button>send</button></form><pre id="log"></pre>
<p><a href="/">back to the home page</a></p>
<script>
  const log = (line) => { document.getElementById('log').textContent += line + '\\n' }
  const ws = new WebSocket(location.href.replace(/^http/, 'ws'))
  ws.onmessage = (event) => log('← ' + event.data)
  document.querySelector('form').onsubmit = (event) => {
    event.preventDefault()
    const text = event.target.text.value
    log('→ ' + text)
    ws.send(text)
  }
</script>`

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
  res.end(page)
})
new WebSocketServer({ server }).on('connection', (ws, req) => {
  ws.send(`connected to pid ${process.pid} at ${req.headers['x-forwarded-prefix'] ?? '/'}`)
  ws.on('message', (data) => ws.send(`echo: ${data}`))
})
server.listen(Number(process.env.PORT), '127.0.0.1', () =>
  console.log(`listening on 127.0.0.1:${process.env.PORT}`),
)
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
