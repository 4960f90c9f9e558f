// Parses Prometheus text exposition (stdin) with parse-prometheus-text-format and prints it as JSON (stdout):
// node prometheus-parse.js < metrics.txt. The Java metrics test checks values on what this real parser read.
'use strict';
const parse = require('parse-prometheus-text-format');
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { text += d; });
process.stdin.on('end', () => {
  try {
    process.stdout.write(JSON.stringify(parse(text)));
  } catch (e) {
    process.stderr.write('PARSE ERROR ' + e.message + '\n');
    process.exit(2);
  }
});
