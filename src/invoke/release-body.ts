// Keeps a lazily created instance leased until its response body is fully sent, cancelled,
// or no longer wanted: a request aborted after its Response arrived ends the lease (and
// cancels the app's body) even if nobody ever reads or cancels that Response.
import type { DispatchContext } from '../core/context.ts'

export function releaseWithBody(
  response: Response,
  ctx: DispatchContext,
  signal: AbortSignal | undefined,
): Response {
  const body = response.body
  if (body === null) {
    ctx.release()
    return response
  }
  if (signal?.aborted === true) {
    body.cancel(signal.reason).catch(() => {})
    ctx.release()
    return response
  }
  const reader = body.getReader()
  const end = () => {
    signal?.removeEventListener('abort', aborted)
    ctx.release()
  }
  const aborted = () => {
    reader.cancel(signal?.reason).catch(() => {})
    end()
  }
  signal?.addEventListener('abort', aborted, { once: true })
  const tracked = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (done) {
          end()
          controller.close()
        } else {
          controller.enqueue(value)
        }
      } catch (error) {
        end()
        controller.error(error)
      }
    },
    cancel(reason) {
      end()
      return reader.cancel(reason)
    },
  })
  return new Response(tracked, response)
}
