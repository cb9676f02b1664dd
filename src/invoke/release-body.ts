// Keeps a lazily created instance leased until its response body is fully sent.
import type { DispatchContext } from '../core/context.ts'

export function releaseWithBody(response: Response, ctx: DispatchContext): Response {
  const body = response.body
  if (body === null) {
    ctx.release()
    return response
  }
  const reader = body.getReader()
  const tracked = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (done) {
          ctx.release()
          controller.close()
        } else {
          controller.enqueue(value)
        }
      } catch (error) {
        ctx.release()
        controller.error(error)
      }
    },
    cancel(reason) {
      ctx.release()
      return reader.cancel(reason)
    },
  })
  return new Response(tracked, response)
}
