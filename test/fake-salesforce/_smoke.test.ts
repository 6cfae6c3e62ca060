import { it } from 'vitest';
import { startFakeSalesforce } from './index.js';
import { api, runBulkJob } from './test-helpers.js';
it('perf', async () => {
  const fake = await startFakeSalesforce({ extraObjects: [], objects: undefined, bulk2PollsUntilComplete: 0 });
  const big = await startFakeSalesforce({ objects: [{ name: 'Account', describe: (await (await api(fake)).json('/sobjects/Account/describe')), records: 1_000_000 }, { name: 'User', fields: [{name:'Id',type:'id'},{name:'Name',type:'string'}], records: 10, globalAttributes: {keyPrefix: '005'} }], bulk2PollsUntilComplete: 0 });
  const a = await api(big);
  const d = await a.json('/sobjects/Account/describe');
  const fields = d.fields.filter((f: any) => f.type !== 'address' && f.type !== 'location' && f.type !== 'base64').map((f: any) => f.name);
  let t = Date.now();
  const id = await runBulkJob(a, `SELECT ${fields.join(',')} FROM Account`);
  console.log('create+snapshot ms', Date.now() - t, 'fields', fields.length);
  t = Date.now();
  let locator: string | null = null; let total = 0; let bytes = 0;
  do {
    const r = await a.get(`/jobs/query/${id}/results?maxRecords=100000${locator ? `&locator=${locator}` : ''}`);
    const text = await r.text(); bytes += text.length;
    total += Number(r.headers.get('sforce-numberofrecords'));
    locator = r.headers.get('sforce-locator'); if (locator === 'null') locator = null;
  } while (locator);
  console.log('results ms', Date.now() - t, total, 'MB', bytes / 1e6, 'rss MB', process.memoryUsage().rss / 1e6);
  t = Date.now();
  const id2 = await runBulkJob(a, `SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp >= 2024-01-01T00:00:00Z AND SystemModstamp < 2025-01-01T00:00:00Z`);
  console.log('filtered create ms', Date.now() - t);
  await big.stop(); await fake.stop();
}, 300_000);
