#!/usr/bin/env python3
# table.py: one table from the JSON of bench-calls, bench-cli and bench-remix
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: table.py --title TEXT [--remix REMIX.json] PLUGCTL.json...
# Prints a Markdown table: figure | unit | plugctl | baseline | ratio |
# Remix | ÷ Remix | target | baseline is. Ratios are plugctl ÷ the other
# column, whatever the unit (for calls/s, higher is better).
import argparse
import json
import math


def fmt(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '—'
    if value >= 1e6:
        return f'{value / 1e6:.2f} M'
    if value >= 1e4:
        return f'{value / 1e3:.1f} k'
    if value >= 100:
        return f'{value:.0f}'
    if value >= 1:
        return f'{value:.2f}'
    return f'{value:.4f}'


def ratio(a, b):
    if a is None or b is None or b == 0:
        return '—'
    r = a / b
    return f'{r:.3f}×' if r < 0.1 else f'{r:.2f}×'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--title', default='')
    parser.add_argument('--remix')
    parser.add_argument('files', nargs='+')
    args = parser.parse_args()

    remix = {}
    if args.remix:
        try:
            with open(args.remix) as f:
                remix = json.load(f).get('measurements', {})
        except (OSError, ValueError):
            remix = {}

    header = ['figure', 'unit', 'plugctl', 'baseline', 'ratio', 'Remix', '÷ Remix',
              'target', 'baseline is']
    lines = []
    for path in args.files:
        with open(path) as f:
            data = json.load(f)
        for row in data['rows']:
            if row['plugctl'] is None and row['baseline'] is None:
                continue
            theirs = remix.get(row['remix_id']) if row['remix_id'] else None
            lines.append([row['label'], row['unit'], fmt(row['plugctl']), fmt(row['baseline']),
                          ratio(row['plugctl'], row['baseline']), fmt(theirs),
                          ratio(row['plugctl'], theirs), row['target'] or '',
                          row['baseline_label'] or ''])

    widths = [max(len(r[i]) for r in lines + [header]) for i in range(len(header))]
    right = {2, 3, 4, 5, 6}

    def show(cells):
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
        return '| ' + ' | '.join(out) + ' |'

    if args.title:
        print(f'\n{args.title}\n')
    print(show(header))
    print('|' + '|'.join(('-' * (w + 1) + ':') if i in right else '-' * (w + 2)
                         for i, w in enumerate(widths)) + '|')
    for cells in lines:
        print(show(cells))


if __name__ == '__main__':
    main()
