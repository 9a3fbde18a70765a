# Replays one protocol transcript (crates/imap-server/testdata/*.txt)
# against the server: "C:" lines are sent, "S:" lines must match the lines
# received, in order. In "S:" lines a "*" anywhere but the first column
# matches any text. With UPDATE_EXPECT=1 the file is rewritten with what
# the server actually sent for each exchange that did not match.
import os, re, socket, ssl, sys

path = os.environ['TRANSCRIPT']
bless = os.environ.get('UPDATE_EXPECT') == '1'
ctx = ssl.create_default_context(cafile=os.environ['CERT'])
s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(os.environ['PORT_TLS'])), timeout=10),
                    server_hostname='127.0.0.1')
f = s.makefile('rb')
f.readline()  # greeting

def pattern(line):
    head, rest = (line[:2], line[2:]) if line.startswith('* ') else ('', line)
    parts = [re.escape(p) for p in rest.split('*')]
    return re.compile(re.escape(head) + '.*'.join(parts) + r'\Z', re.S)

lines = open(path, encoding='utf-8').read().split('\n')
out_lines = []
failures = []
pending_tag = None
idle_tag = None
i = 0
while i < len(lines):
    line = lines[i]
    if not line.startswith('C: '):
        out_lines.append(line)
        i += 1
        continue
    cmd = line[3:].replace('PASSWORD', '"' + os.environ['IMAP_PW'] + '"')
    out_lines.append(line)
    i += 1
    expected = []
    while i < len(lines) and lines[i].startswith('S: '):
        expected.append(lines[i][3:])
        i += 1
    if cmd == 'DONE':
        tag = idle_tag
    elif pending_tag:
        tag, pending_tag = pending_tag, None
    else:
        tag = cmd.split(' ', 1)[0]
        if cmd.split(' ')[1:2] == ['IDLE']:
            idle_tag = tag
    s.sendall(cmd.encode('utf-8') + b'\r\n')
    got = []
    if re.search(r'\{\d+\+\}$', cmd):
        # LITERAL-: the literal follows on the next C: line without waiting.
        pending_tag = tag
    else:
        while True:
            l = f.readline()
            if not l:
                break
            l = l.decode('utf-8', 'replace').rstrip('\r\n')
            got.append(l)
            if l.startswith(tag + ' ') or (l.startswith('+') and cmd != 'DONE'):
                break
    ok = len(got) == len(expected) and all(pattern(e).match(g) for e, g in zip(expected, got))
    if ok:
        out_lines.extend('S: ' + e for e in expected)
    else:
        failures.append((cmd, expected, got))
        out_lines.extend('S: ' + g for g in got)

if bless and failures:
    open(path, 'w', encoding='utf-8').write('\n'.join(out_lines))
    print('blessed', path)
elif failures:
    for cmd, exp, got in failures:
        print('C:', cmd, file=sys.stderr)
        print('  expected:', *exp, sep='\n    ', file=sys.stderr)
        print('  got:', *got, sep='\n    ', file=sys.stderr)
    sys.exit(1)
