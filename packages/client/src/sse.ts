import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * Reads a server-sent-events body to its end (or until `signal` aborts), calling `onMessage` per event.
 * fetch + a parser rather than `EventSource`, because EventSource cannot send the bearer header.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, onMessage: (message: EventSourceMessage) => void, signal?: AbortSignal): Promise<void> {
  const parser = createParser({ onEvent: onMessage });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const stop = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
