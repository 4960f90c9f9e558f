// MQTT.js in Node: node node-client.js PREFIX URL... ; a wss:// URL trusts the CA file in $TERN_E2E_CA.
'use strict';
const fs = require('fs');
const mqtt = require('mqtt');
const { exchange, main } = require('./exchange');

const [prefix, ...urls] = process.argv.slice(2);
const options = process.env.TERN_E2E_CA ? { ca: fs.readFileSync(process.env.TERN_E2E_CA) } : {};
main(() => exchange(mqtt, urls, prefix, options, (line) => console.log(line)));
