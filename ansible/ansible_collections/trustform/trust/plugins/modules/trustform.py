#!/usr/bin/python
# -*- coding: utf-8 -*-
# The trustform module: runs the trustform binary on the managed host.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: trustform
short_description: Converge the local TLS trust stores of a host with trustform
version_added: "0.1.0"
description:
  - Runs C(trustform) on the managed host. In check mode it plans
    (C(trustform plan --json)) and reports C(changed) when changes are
    pending or a service still runs with a store's old trust (a restart
    pending, which apply carries out), with the text plan of each store as the
    diff; an endpoint of C(connects_to) that clients would refuse even after
    apply fails the task. Otherwise it applies
    (C(trustform apply --auto-approve --json)) and reports C(changed) from what
    was done, restarts of the stores' consumers included.
  - In check mode on a host where trustform is not installed yet (the first
    C(--check) run on a new host, where the package task only reports the
    install), the module does not fail. It reports C(changed) and
    C(installed=false), and says that the stores will be planned once the
    package is there.
  - A store that fails (a damaged bundle, an unreadable file) fails the task
    with trustform's diagnostics; the other stores are still converged.
options:
  config:
    description:
      - Path of the configuration on the managed host.
      - Mutually exclusive with I(git). Without either, trustform's default
        (C(/etc/trustform/trust.yaml)) is used.
    type: path
  git:
    description: Take the configuration from a git repository.
    type: dict
    suboptions:
      url:
        description: The repository (C(file://), a path, C(ssh://) or C(https://)).
        type: str
        required: true
      ref:
        description: A branch, a tag, or a full commit id (a pin of the exact configuration).
        type: str
        required: true
      path:
        description: The configuration file inside the repository.
        type: str
        default: trust.yaml
      allowed_signers:
        description: The commit must be signed by a key in this file (ssh allowed_signers or a GnuPG keyring).
        type: path
      allow_unpinned:
        description: Accept CAs without a C(sha256) pin from git.
        type: bool
        default: false
      require_fresh:
        description: Fail when the remote cannot be fetched instead of using the cached commit.
        type: bool
        default: false
  host:
    description: Act as this host name (default, trustform's own choice, the hostname).
    type: str
  targets:
    description: Limit the run to these stores.
    type: list
    elements: str
    default: []
  root:
    description: Treat this directory as C(/) on the managed host.
    type: path
  lock_timeout:
    description: Seconds to wait for another run's lock.
    type: int
    default: 60
  binary:
    description: The trustform binary.
    type: path
    default: trustform
author:
  - trustform maintainers
'''

EXAMPLES = r'''
- name: Converge the trust stores from /etc/trustform/trust.yaml
  trustform.trust.trustform:
    config: /etc/trustform/trust.yaml

- name: Converge from git, pinned to a commit
  trustform.trust.trustform:
    git:
      url: https://git.example.org/ops/trust.git
      ref: 3f2a1c9d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b
    targets: [system]
'''

RETURN = r'''
change_summary:
  description: What was done (apply) or is pending (check mode), from trustform's JSON.
  returned: always
  type: dict
  sample: {"add": 1, "change": 0, "remove": 0, "operation": "apply"}
resource_changes:
  description: trustform's C(resource_changes), with C(status) after an apply.
  returned: always
  type: list
  elements: dict
stores:
  description: Each store of the host, its status and error.
  returned: always
  type: list
  elements: dict
plan:
  description: The text plan.
  returned: when a plan was made (check mode, or diff mode)
  type: str
exit_code:
  description: trustform's exit code.
  returned: when trustform ran
  type: int
drift:
  description: trustform's one verdict, would a client fail (store changes, a restart pending, an endpoint refused even after apply).
  returned: in check mode
  type: bool
drift_summary:
  description: The counts behind I(drift), from trustform's JSON.
  returned: in check mode
  type: dict
  sample: {"changes": 0, "restart_pending": 1, "endpoints_failing": 0, "endpoints_unchecked": 0}
expiring:
  description: >-
    The certificates within their renewal window (trustform's C(expiring),
    JSON format 1.2): a configured CA within 30 days of its end, Caddy's root
    likewise, Caddy's intermediate past Caddy's own renewal point. Each is
    also a task warning with its date; neither changed nor failed.
  returned: when trustform ran
  type: list
  elements: dict
  sample: [{"kind": "ca", "name": "corp-root", "not_after": "2026-12-12T16:20:36Z",
            "days_left": 4, "stores": ["system"], "message": "CA \"corp-root\" ..."}]
installed:
  description: Whether the trustform binary was found on the host.
  returned: always
  type: bool
'''

import json
import os
import re

from ansible.module_utils.basic import AnsibleModule

HEADER = re.compile(r'^  # (\S+?)(?: \(|:)')
NOTE = re.compile(r'^(?:Note|Warning): (\S+?)(?: \(|:)')


def common_args(p):
    args = []
    if p['config']:
        args += ['--config', p['config']]
    g = p['git']
    if g:
        args += ['--git', g['url'], '--ref', g['ref'], '--path', g['path']]
        if g.get('allowed_signers'):
            args += ['--git-allowed-signers', g['allowed_signers']]
        if g.get('allow_unpinned'):
            args.append('--allow-unpinned')
        if g.get('require_fresh'):
            args.append('--require-fresh')
    if p['host']:
        args += ['--host', p['host']]
    if p['root']:
        args += ['--root', p['root']]
    for t in p['targets']:
        args += ['--target', t]
    args += ['--lock-timeout', str(p['lock_timeout'])]
    return args


def store_of(address):
    """The store a resource address belongs to: b.ca["x"] -> b, browsers[alice chrome].ca["x"] -> browsers[alice chrome]."""
    depth = 0
    for i, c in enumerate(address):
        if c == '[':
            depth += 1
        elif c == ']':
            depth -= 1
        elif c == '.' and depth == 0:
            return address[:i]
    return address


def split_plan(text):
    """The text plan, per store: {store: [lines]} in order of appearance."""
    blocks = {}
    current = None
    for line in text.splitlines():
        m = HEADER.match(line)
        n = NOTE.match(line)
        if m:
            current = m.group(1)
            blocks.setdefault(current, [])
        elif n:
            blocks.setdefault(n.group(1), []).append(line)
            current = None
            continue
        elif not line.startswith('  ') and line.strip():
            current = None
        if current is not None:
            blocks[current].append(line)
    return blocks


def entry_line(name, e):
    if not e:
        return None
    return '%s sha256=%s trust=%s%s\n' % (name, e.get('sha256', ''), e.get('trust', ''),
                                         '' if e.get('owned', True) else ' (foreign)')


def make_diff(plan_text, doc):
    blocks = split_plan(plan_text)
    per_store = {}
    for rc in doc.get('resource_changes') or []:
        s = per_store.setdefault(rc.get('store') or store_of(rc['address']), {'before': '', 'after': ''})
        ch = rc.get('change') or {}
        b = entry_line(rc.get('name') or rc['address'], ch.get('before'))
        a = entry_line(rc.get('name') or rc['address'], ch.get('after'))
        s['before'] += b or ''
        s['after'] += a or ''
    diffs = []
    for store in list(blocks) + [s for s in per_store if s not in blocks]:
        lines = blocks.get(store, [])
        d = {'before_header': '%s (now)' % store, 'after_header': '%s (planned)' % store,
             'before': per_store.get(store, {}).get('before', ''),
             'after': per_store.get(store, {}).get('after', '')}
        if lines:
            d['prepared'] = '\n'.join(lines).rstrip('\n') + '\n'
        diffs.append(d)
    return diffs


def failure_message(doc, stderr):
    msgs = []
    for d in doc.get('diagnostics') or []:
        where = d.get('address') or (d.get('range') or {}).get('filename')
        msgs.append('%s%s' % ('%s: ' % where if where else '', d.get('summary', '')))
    for s in doc.get('stores') or []:
        if s.get('error') and not any(s['error'] in m for m in msgs):
            msgs.append('%s: %s' % (s.get('address'), s['error']))
    if not msgs and stderr:
        msgs.append(stderr.strip())
    return '; '.join(msgs) or 'trustform failed'


def run_json(module, argv):
    rc, out, err = module.run_command(argv, environ_update={'NO_COLOR': '1'})
    try:
        doc = json.loads(out)
    except ValueError:
        module.fail_json(msg='trustform printed no JSON (exit %d): %s' % (rc, (err or out).strip()),
                         rc=rc, stdout=out, stderr=err, cmd=argv)
    return rc, doc, err


def warn_expiring(module, result, doc):
    """trustform's certificates within their renewal window: a warning each,
    with its date, in check mode and on apply alike (never changed, never failed)."""
    expiring = doc.get('expiring') or []
    result['expiring'] = expiring
    for e in expiring:
        module.warn('%s (stores: %s)' % (
            e.get('message') or '%s "%s" expires on %s' % (e.get('kind'), e.get('name'), e.get('not_after')),
            ', '.join(str(s) for s in e.get('stores') or [])))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type='path'),
            git=dict(type='dict', options=dict(
                url=dict(type='str', required=True),
                ref=dict(type='str', required=True),
                path=dict(type='str', default='trust.yaml'),
                allowed_signers=dict(type='path'),
                allow_unpinned=dict(type='bool', default=False),
                require_fresh=dict(type='bool', default=False),
            )),
            host=dict(type='str'),
            targets=dict(type='list', elements='str', default=[]),
            root=dict(type='path'),
            lock_timeout=dict(type='int', default=60),
            binary=dict(type='path', default='trustform'),
        ),
        mutually_exclusive=[('config', 'git')],
        supports_check_mode=True,
    )
    p = module.params
    binary = p['binary']
    if '/' not in binary:
        binary = module.get_bin_path(binary, required=not module.check_mode)
    elif not os.access(binary, os.X_OK):
        binary = None if module.check_mode else binary
    if binary is None:
        # Check mode on a new host: the package task only said it would
        # install trustform, so there is nothing to plan with yet. That is
        # a change to report, not a failure.
        msg = ('trustform is not installed on this host yet (check mode does not install '
               'the package): a run installs it, then applies the configuration; run '
               '--check again after the install to see the plan of each store')
        result = dict(changed=True, installed=False, msg=msg)
        if module._diff:
            result['diff'] = [{'before_header': 'trust stores (now)',
                               'after_header': 'trust stores (planned)',
                               'prepared': msg + '\n'}]
        module.exit_json(**result)
    args = common_args(p)
    result = dict(changed=False, installed=True)

    plan_text = None
    if module.check_mode or module._diff:
        argv = [binary, 'plan', '--no-color', '--detailed-exitcode'] + args
        rc, out, err = module.run_command(argv, environ_update={'NO_COLOR': '1'})
        plan_text = out
        result['plan'] = out

    if module.check_mode:
        rc, doc, err = run_json(module, [binary, 'plan', '--json', '--detailed-exitcode'] + args)
        result.update(exit_code=rc, change_summary=doc.get('change_summary') or {},
                      resource_changes=doc.get('resource_changes') or [],
                      stores=doc.get('stores') or [])
        # trustform's one predicate, "would a client fail" (drift_summary):
        # apply changes the stores and restarts the services still holding the
        # old trust (changed); an endpoint refused even after apply is a failure
        drift = doc.get('drift_summary') or {}
        result.update(drift=bool(doc.get('drift')), drift_summary=drift)
        warn_expiring(module, result, doc)
        result['changed'] = bool(doc.get('changes_pending')) or drift.get('restart_pending', 0) > 0
        if module._diff and result['changed']:
            result['diff'] = make_diff(plan_text or '', doc)
        if rc not in (0, 2) or doc.get('errored'):
            module.fail_json(msg=failure_message(doc, err), **result)
        if drift.get('endpoints_failing', 0) > 0:
            refused = [e.get('url') for e in doc.get('endpoints') or [] if e.get('ok') is False]
            module.fail_json(msg='clients would refuse %d endpoint(s) even after apply: %s; '
                             'see the plan for the fix' % (drift['endpoints_failing'], ', '.join(
                                 str(u) for u in refused)), **result)
        module.exit_json(**result)

    rc, doc, err = run_json(module, [binary, 'apply', '--auto-approve', '--json'] + args)
    summary = doc.get('change_summary') or {}
    done = [r for r in doc.get('resource_changes') or [] if r.get('status') == 'applied']
    result.update(exit_code=rc, change_summary=summary, planned_summary=doc.get('planned_summary') or {},
                  resource_changes=doc.get('resource_changes') or [], stores=doc.get('stores') or [])
    restarted = [c for st in doc.get('stores') or [] for c in st.get('consumers') or []
                 if c.get('restart') == 'done']
    warn_expiring(module, result, doc)
    result['changed'] = bool(done) or bool(restarted) or any(
        summary.get(k, 0) for k in ('add', 'change', 'remove'))
    if module._diff and plan_text is not None and result['changed']:
        result['diff'] = make_diff(plan_text, doc)
    if rc != 0 or doc.get('errored'):
        module.fail_json(msg=failure_message(doc, err), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
