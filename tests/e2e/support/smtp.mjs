// A real SMTP server inside the test process (npm smtp-server + mailparser) on a free loopback
// port: the backend's outbox delivers to it, the tests wait for the message and read its links.
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export async function startSmtpCapture() {
  /** @type {Array<{to: string[], subject: string, text: string, html: string, links: string[]}>} */
  const messages = [];
  const waiters = new Set();

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const text = mail.text ?? '';
          const html = typeof mail.html === 'string' ? mail.html : '';
          const links = [...new Set([...`${text}\n${html}`.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]))];
          const message = {
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: mail.subject ?? '',
            text,
            html,
            links,
          };
          messages.push(message);
          for (const w of waiters) w();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.server.address();

  /** Waits for a message to `to` matching `predicate` that arrived after `since` (an index). */
  async function waitFor(to, predicate = () => true, { timeoutMs = 15_000, since = 0 } = {}) {
    const wanted = to.toLowerCase();
    const find = () => messages.slice(since).find((m) => m.to.includes(wanted) && predicate(m));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no e-mail to ${to} within ${timeoutMs} ms; received: ${JSON.stringify(messages.map((m) => ({ to: m.to, subject: m.subject })))}`,
        );
      }
      await new Promise((resolve) => {
        const w = () => {
          waiters.delete(w);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(w, Math.min(left, 250));
        waiters.add(w);
      });
    }
  }

  return {
    port,
    messages,
    count: () => messages.length,
    waitFor,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
