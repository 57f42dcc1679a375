/** The baseline: a bare express 5 hello-world on PORT, same runtime as the gateway. */
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/hello', (_req, res) => void res.json({ hello: 'world' }));
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
