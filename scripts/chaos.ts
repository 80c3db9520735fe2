/**
 * `npm run chaos`: every chaos scenario against the real server, in both storage modes, with a local WeCom stub
 * (loopback only; bounded; stops by itself). `npm run chaos -- crash pglite` runs a subset.
 * Columns: acked (callbacks answered 200), handled (inbox rows done), sends (message/send requests), dup sent
 * (extra requests for one person not refused by an errcode), dup seen (extra messages the person saw after WeCom's
 * duplicate check), missing (acknowledged but never answered), recovery (fault over → last missing reply; crash:
 * until the dead process's rows are done; redis-flush: the longest stall of replies after the flush), backlog (until
 * every reply owed at the kill/flush was delivered: the machine's throughput).
 */
import { formatTable, runScenario, type ScenarioName, type ScenarioResult } from '../chaos/scenarios';
import { ensureBuilt, type Mode } from '../chaos/harness';

const ALL_SCENARIOS: ScenarioName[] = ['crash', 'slow-wecom', 'wecom-errors', 'redis-flush'];
const ALL_MODES: Mode[] = ['pglite', 'postgres'];

async function main() {
  const args = process.argv.slice(2);
  const scenarios = ALL_SCENARIOS.filter((s) => !args.some((a) => ALL_SCENARIOS.includes(a as ScenarioName)) || args.includes(s));
  const modes = ALL_MODES.filter((m) => !args.some((a) => ALL_MODES.includes(a as Mode)) || args.includes(m));
  ensureBuilt();
  const rows: ScenarioResult[] = [];
  for (const mode of modes) {
    for (const s of scenarios) {
      process.stdout.write(`chaos: ${s} (${mode}) …\n`);
      const row = await runScenario(s, mode);
      rows.push(row);
      console.log(formatTable([row]).split('\n')[2]);
    }
  }
  console.log(`\n${formatTable(rows)}`);
  const bad = rows.filter((r) => !r.skipped && (r.missing > 0 || r.duplicatesSeen > 0 || r.recoveryMs >= 10_000));
  if (bad.length) {
    console.log(`\nNOT MET in: ${bad.map((r) => `${r.scenario}/${r.mode}`).join(', ')} (goal: 0 missing, 0 seen twice, recovery < 10 s)`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
