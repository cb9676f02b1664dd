// The backend: an Express app mounted at "/backend".
import express, { type Express } from 'express'
import { mountInfo } from '../../src/index.ts'

export function createBackend(): Express {
  const app = express()
  app.get('/', (req, res) => {
    // req.baseUrl is "/backend": links stay right wherever the app is mounted.
    res.send(`<!doctype html>
<title>backend</title>
<h1>Express backend</h1>
<p>Mounted at <code>${req.baseUrl}</code>; it sees <code>req.url = ${req.url}</code>.</p>
<p><a href="${req.baseUrl}/users">users</a> · <a href="${req.baseUrl}/whoami">whoami</a> · <a href="/">home</a></p>`)
  })
  app.get('/users', (_req, res) => {
    res.json([
      { id: 1, name: 'Ada' },
      { id: 2, name: 'Grace' },
    ])
  })
  app.get('/whoami', (req, res) => {
    res.json({
      app: 'express',
      url: req.url,
      baseUrl: req.baseUrl,
      originalUrl: req.originalUrl,
      forwardedPrefix: req.get('x-forwarded-prefix'),
      mount: mountInfo(req),
    })
  })
  return app
}
