// The line protocol both clients speak with the Java test that starts them (see WebSocketE2eTest):
// for each broker URL i the client subscribes to PREFIX/down/i, prints "READY i", waits for one message,
// publishes "echo:<payload>" to PREFIX/up/i at QoS 1, and prints "RECEIVED i <payload>". Exit 0 when every
// URL was served, 1 on an error, 2 on the overall time limit.
'use strict';

const LIMIT_MS = 30000;

function exchange(mqtt, urls, prefix, options, log) {
  return urls.reduce((previous, url, i) => previous.then(() => new Promise((resolve, reject) => {
    const client = mqtt.connect(url, Object.assign({ clientId: 'e2e-' + i + '-' + Date.now(), reconnectPeriod: 0 }, options));
    const fail = (e) => { client.end(true); reject(new Error(url + ': ' + (e && e.message ? e.message : e))); };
    client.on('error', fail);
    client.on('close', () => fail('connection closed'));
    client.on('connect', () => {
      client.subscribe(prefix + '/down/' + i, { qos: 1 }, (err, granted) => {
        if (err || granted[0].qos > 2) { fail(err || 'subscription refused'); return; }
        log('READY ' + i);
      });
    });
    client.on('message', (topic, payload) => {
      const text = payload.toString();
      client.publish(prefix + '/up/' + i, 'echo:' + text, { qos: 1 }, (err) => {
        if (err) { fail(err); return; }
        log('RECEIVED ' + i + ' ' + text);
        client.removeAllListeners('close');
        client.end(false, {}, resolve);
      });
    });
  })), Promise.resolve());
}

function main(run) {
  const timer = setTimeout(() => { console.log('TIMEOUT'); process.exit(2); }, LIMIT_MS);
  run().then(() => { clearTimeout(timer); console.log('DONE'); process.exit(0); },
    (e) => { console.log('ERROR ' + (e && e.stack ? e.stack : e)); process.exit(1); });
}

module.exports = { exchange, main };
