#!/usr/bin/env python3
"""Build a `promtool test rules` file from the metrics files real trustform
runs wrote (tests/e2e/ops_alert_rules.sh): each file's samples become input
series, constant over the test's time, and the alerts each rule must give at
the evaluation time are derived from the samples (the oracle below), their
annotations rendered from the rules file's own templates.

usage: alert_rules_test.py RULES OUT.json NAME=FILE@EVAL_SECONDS...
The output is JSON, which is YAML; promtool reads it. A summary of the
expected alerts per group goes to stdout, one "group alertname count" line
each, for the test to assert that the oracle is not vacuous.
"""
import json
import re
import sys
import time

import yaml

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def read_prom(path):
    out = []
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        if not m:
            sys.exit('%s: not a sample line: %r' % (path, line))
        labels = dict(LABEL.findall(m.group(3) or ''))
        out.append((m.group(1), labels, float(m.group(4)), line.rsplit(' ', 1)[0]))
    return out


def humanize_ts(v):
    # Prometheus' humanizeTimestamp: Go's time.Time String() in UTC
    return time.strftime('%Y-%m-%d %H:%M:%S +0000 UTC', time.gmtime(v))


def render(tmpl, labels, value):
    s = re.sub(r'\{\{ \$value \| humanizeTimestamp \}\}', lambda _: humanize_ts(value), tmpl)
    s = re.sub(r'\{\{ \$labels\.([a-z_]+) \}\}', lambda m: labels.get(m.group(1), ''), s)
    if '{{' in s:
        sys.exit('template not rendered by this oracle: %r' % tmpl)
    return s


def key(labels, names):
    return tuple(labels.get(n) for n in names)


def expected(samples, eval_s):
    """alertname -> [(labels, value)]: what each rule of the file must fire."""
    by = {}
    for name, labels, value, _ in samples:
        by.setdefault(name, []).append((labels, value))
    ident = ('host', 'store', 'kind', 'ca', 'sha256')
    expiry = {key(l, ident): v for l, v in by.get('trustform_ca_expiry_timestamp_seconds', [])}
    blocked = {}
    for l, v in by.get('trustform_rotation_blockers', []):
        k = key(l, ('host', 'ca', 'replaces'))
        blocked[k] = blocked.get(k, 0) + v
    return {
        'TrustformRotationBlocked': [(dict(zip(('host', 'ca', 'replaces'), k)), v)
                                     for k, v in sorted(blocked.items())
                                     if v > 0 and eval_s >= 2 * 86400],
        'TrustformCAExpiring': [(l, expiry[key(l, ident)])
                                for l, v in by.get('trustform_ca_expiring', []) if v == 1],
        'TrustformDrift': [(l, v) for l, v in by.get('trustform_drift', []) if v == 1],
        'TrustformEndpointFailing': [(l, v) for l, v in by.get('trustform_endpoint_ok', [])
                                     if v == 0],
        'TrustformEndpointUnreachable': [(l, v) for l, v in by.get('trustform_endpoint_up', [])
                                         if v == 0],
        'TrustformRestartPending': [(l, v) for l, v in by.get('trustform_restart_pending', [])
                                    if v == 1],
        'TrustformCheckFailing': [(l, v) for l, v in by.get('trustform_last_run_success', [])
                                  if v == 0],
        'TrustformCheckNotRunning': [(l, eval_s - v) for l, v in
                                     by.get('trustform_last_run_timestamp_seconds', [])
                                     if eval_s - v > 3 * 3600],
        'TrustformConfigStale': [(l, v) for l, v in by.get('trustform_git_fetch_age_seconds', [])
                                 if v > 86400],
    }


def main():
    rules_path, out_path, groups = sys.argv[1], sys.argv[2], sys.argv[3:]
    rules = {r['alert']: r for g in yaml.safe_load(open(rules_path))['groups']
             for r in g['rules'] if 'alert' in r}
    tests = []
    for spec in groups:
        gname, rest = spec.split('=', 1)
        path, eval_s = rest.rsplit('@', 1)
        eval_s = int(eval_s)
        samples = read_prom(path)
        steps = eval_s // 60 + 1
        series = [{'series': sel, 'values': '%s+0x%d' % (repr(v) if v != int(v) else int(v), steps)}
                  for _, _, v, sel in samples]
        exp = expected(samples, eval_s)
        if set(exp) != set(rules):
            sys.exit('the oracle knows %s, the rules file has %s' % (sorted(exp), sorted(rules)))
        cases = []
        for alert, fired in sorted(exp.items()):
            rule = rules[alert]
            alerts = []
            for labels, value in fired:
                lab = dict(labels)
                lab.update(rule.get('labels') or {})
                ann = {k: render(t, labels, value) for k, t in (rule.get('annotations') or {}).items()}
                alerts.append({'exp_labels': lab, 'exp_annotations': ann})
            cases.append({'eval_time': '%ds' % eval_s, 'alertname': alert, 'exp_alerts': alerts})
            print(gname, alert, len(alerts))
        tests.append({'name': gname, 'interval': '1m', 'input_series': series,
                      'alert_rule_test': cases})
    json.dump({'rule_files': [rules_path], 'evaluation_interval': '1m', 'tests': tests},
              open(out_path, 'w'), indent=1)


if __name__ == '__main__':
    main()
