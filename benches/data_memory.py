"""Driver of data_memory.sh: N clients push M MB into DATA at once while
the server's RSS (VmRSS of its PID) is sampled every 10 ms."""
import socket, sys, threading, time

PID, PORT, CLIENTS, MB = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def rss_kib(field='VmRSS:'):
    with open('/proc/%d/status' % PID) as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError('no ' + field)


def session(block, replies, i):
    s = socket.create_connection(('127.0.0.1', PORT), timeout=120)
    f = s.makefile('rb')

    def reply():
        while True:
            l = f.readline()
            if not l or l[3:4] != b'-':
                return l.decode().strip()

    def cmd(c):
        s.sendall(c.encode() + b'\r\n')
        return reply()

    reply()
    cmd('EHLO bench.example.org')
    cmd('MAIL FROM:<bench@example.org>')
    cmd('RCPT TO:<u0001@ac-test.fr>')
    assert cmd('DATA').startswith('354')
    sent = 0
    while sent < MB << 20:
        s.sendall(block)
        sent += len(block)
    s.sendall(b'\r\n.\r\n')
    replies[i] = reply()
    cmd('QUIT')
    s.close()


def run(name, block):
    replies = [None] * CLIENTS
    threads = [threading.Thread(target=session, args=(block, replies, i)) for i in range(CLIENTS)]
    before = peak = rss_kib()
    anon = rss_kib('RssAnon:')
    t0 = time.time()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, rss_kib())
        anon = max(anon, rss_kib('RssAnon:'))
        time.sleep(0.01)
    took = time.time() - t0
    return name, before, peak, anon, took, replies


# Warm up: one small message, so the idle figure includes a session's setup.
s = socket.create_connection(('127.0.0.1', PORT))
s.sendall(b'EHLO w\r\nQUIT\r\n')
s.recv(4096)
s.close()
time.sleep(0.5)
idle = rss_kib()
idle_anon = rss_kib('RssAnon:')
print('idle RSS: %.1f MB (anonymous %.1f MB)' % (idle / 1024, idle_anon / 1024))
lines = (b'y' * 998 + b'\r\n') * 64
for name, block in [('998-octet lines', lines), ('no line break', b'z' * 65536)]:
    name, before, peak, anon, took, replies = run(name, block)
    time.sleep(0.5)
    print('%d clients x %d MB, %s, %.1f s: peak RSS %.1f MB, +%.1f MB over idle '
          '(anonymous +%.1f MB; +%.1f MB over the RSS before this run); RSS after: %.1f MB; '
          'replies: %s'
          % (CLIENTS, MB, name, took, peak / 1024, (peak - idle) / 1024, (anon - idle_anon) / 1024,
             (peak - before) / 1024, rss_kib() / 1024, sorted(set(replies))))
