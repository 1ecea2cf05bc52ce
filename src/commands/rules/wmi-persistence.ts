import { defineRule, perPsScript, type Hit } from './rule.js';

const check = perPsScript((t) => (/__eventfilter|commandlineeventconsumer|activescripteventconsumer|__filtertoconsumerbinding/.test(t) ? 'registers a WMI event subscription that runs a command whenever an event fires (survives reboots)' : undefined));

export const rule = defineRule({
  id: 'wmi_persistence',
  category: 'persistence',
  severity: 'critical',
  technique: 'T1546.003',
  title: 'WMI event subscription persistence (__EventFilter + CommandLineEventConsumer)',
  check(ctx) {
    const hits: Hit[] = check(ctx);
    for (const inv of ctx.invocations) if (inv.program === 'wmic' && /__eventfilter|commandlineeventconsumer|__filtertoconsumerbinding/i.test(inv.args.join(' '))) hits.push({ span: inv.span, explanation: 'registers a WMI event subscription that runs a command' });
    return hits;
  },
  cases: {
    positive: [['powershell', "Set-WmiInstance -Namespace root\\subscription -Class CommandLineEventConsumer -Arguments @{Name='u';CommandLineTemplate='C:\\u.exe'}"]],
    negative: [['powershell', 'Get-WmiObject Win32_OperatingSystem']],
  },
});
