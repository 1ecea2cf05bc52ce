import { describe, expect, it } from 'vitest';
import { actionFields, actionText } from './action-view.js';

describe('actionFields: the whole action, nothing left out', () => {
  it('lists subject, action, resource with properties and every context key by path, values as JSON', () => {
    const text = actionText({
      subject: { type: 'Agent', id: 'pay-bot' },
      action: { name: 'payment.submit' },
      resource: { type: 'Payee', id: 'acme', properties: { iban: 'GB33BUKB20201555555555' } },
      context: { amount: 9999, currency: 'EUR', memo: 'line1\nline2', 'odd key': true, nested: { list: [1, { a: null }], empty: {} } },
    });
    expect(text.split('\n')).toEqual([
      'subject.id = "pay-bot"',
      'subject.type = "Agent"',
      'action.name = "payment.submit"',
      'resource.id = "acme"',
      'resource.properties.iban = "GB33BUKB20201555555555"',
      'resource.type = "Payee"',
      'context.amount = 9999',
      'context.currency = "EUR"',
      'context.memo = "line1\\nline2"',
      'context.nested.empty = {}',
      'context.nested.list[0] = 1',
      'context.nested.list[1].a = null',
      'context["odd key"] = true',
    ]);
  });

  it('omits only the paths a surface shows in another form', () => {
    const f = actionFields({ subject: { type: 'A', id: 'a' }, action: { name: 'x' }, resource: { type: 'R', id: 'r' }, context: { command: 'ls', commander: 'x', chat: { user: 'U1' } } }, ['context.command', 'context.chat']);
    expect(f.map((x) => x.path)).toContain('context.commander');
    expect(f.map((x) => x.path)).not.toContain('context.command');
    expect(f.map((x) => x.path)).not.toContain('context.chat.user');
  });
});
