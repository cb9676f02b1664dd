// A WebSocket echo service: a `ws` server attached to an http.Server that never listens;
// switchyard hands it the upgrades for its mount prefix.
import { createServer, type Server } from 'node:http'
import { WebSocketServer } from 'ws'

export function createEcho(): Server {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(`<!doctype html>
<title>echo</title>
<h1>WebSocket echo</h1>
<p>Type and press enter; the server echoes it back.</p>
<input id="say" autofocus><pre id="log"></pre>
<script>
  const ws = new WebSocket(location.href.replace(/^http/, 'ws'))
  ws.onmessage = (e) => { log.textContent += e.data + '\\n' }
  say.onkeydown = (e) => { if (e.key === 'Enter') { ws.send(say.value); say.value = '' } }
</script>`)
  })
  const wss = new WebSocketServer({ server })
  wss.on('connection', (socket, req) => {
    socket.send(`connected to the echo service (it sees ${req.url})`)
    socket.on('message', (data) => socket.send(`echo: ${data.toString()}`))
  })
  return server
}
