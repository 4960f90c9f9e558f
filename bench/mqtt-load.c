/*
 * mqtt-load: an MQTT 3.1.1 load generator outside the JVM, to check what tern-bench measures.
 * One thread, epoll, non-blocking sockets, its own minimal MQTT 3.1.1 codec (CONNECT, SUBSCRIBE, PUBLISH
 * and the QoS 1/2 acknowledgements). Loopback brokers only; every run is bounded in count and time.
 *
 *   mqtt-load fanin   -p PORT [-c 10] [-n 20000] [-q 1] [-s 64] [-w 100]   10 publishers -> 1 on bench/#
 *   mqtt-load fanout  -p PORT [-c 100] [-n 20000] [-q 0]                   1 publisher -> c subscribers
 *   mqtt-load latency -p PORT [-r 10000] [-d 10] [-q 0]                    fixed rate, p50/p99 latency
 *   mqtt-load conn    -p PORT [-c 10000] [-d 5]                            idle connections, connect rate
 *
 * Publisher i publishes to bench/<i>; subscribers subscribe to bench/# (clean sessions, keep alive 0; with
 * -P 1 the subscribers ask for a persistent session, so a broker with persistence stores their deliveries).
 * A publisher keeps at most -w QoS 1/2 publishes unacknowledged; at QoS 0 it writes while the socket
 * takes bytes. Subscribers acknowledge every QoS 1/2 delivery (PUBACK, PUBREC then PUBCOMP), all the
 * acknowledgements of one read batch in one write.
 *
 * rate = unique messages received (over all subscribers) / (last receipt - first publish).
 * Prints one JSON object on stdout. Exit status 0 when nothing was lost or duplicated, 1 otherwise,
 * 2 for bad options or connection failures.
 *
 * Build: gcc -O2 -o mqtt-load bench/mqtt-load.c   (bench/compare.sh does this)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD_HDR 16          /* publisher id (4), sequence (4), send time ns (8) */
#define MAX_CONNS 20000
static size_t read_chunk = 256 * 1024;

enum { FANIN, FANOUT, LATENCY, CONN };

typedef struct {
    uint8_t *data;
    size_t len, cap, off;       /* bytes in [off, len) are pending */
} buf_t;

typedef struct conn {
    int fd;
    int index;                  /* publisher or subscriber number */
    int is_pub;
    int state;                  /* 0 connecting, 1 CONNACK awaited, 2 SUBACK awaited, 3 ready */
    buf_t in, out;
    int want_out;               /* EPOLLOUT registered */
    /* publisher */
    uint32_t seq;               /* next sequence number */
    int inflight;
    uint16_t next_pid;
    uint8_t *pid_used;          /* 65536 flags */
    uint32_t acked;
    /* subscriber */
    uint8_t **seen;             /* per publisher: bitmap of sequence numbers */
    uint32_t *highest;
    uint64_t unique, dup, ooo, received;
} conn_t;

static struct {
    int scenario, port, sub_port, pubs, subs, qos, size, window, protocol_ok;
    uint32_t count;
    double rate, duration, timeout;
    const char *host;
} opt = {FANIN, 1883, 0, 10, 1, 1, 64, 100, 1, 20000, 10000, 10, 60, "127.0.0.1"};

static conn_t conns[MAX_CONNS];
static int nconns, epfd;
static uint64_t t_first_pub, t_last_recv;
static uint64_t *lat_samples;
static size_t lat_n, lat_cap;
static char topic_buf[MAX_CONNS][32];

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *m) { fprintf(stderr, "mqtt-load: %s (%s)\n", m, strerror(errno)); exit(2); }

static void buf_reserve(buf_t *b, size_t extra) {
    if (b->off > 0 && b->off == b->len) b->off = b->len = 0;
    if (b->len + extra <= b->cap) return;
    if (b->off > 0) {           /* compact first */
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
        if (b->len + extra <= b->cap) return;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    b->data = realloc(b->data, cap);
    if (!b->data) die("out of memory");
    b->cap = cap;
}

static size_t pending(const buf_t *b) { return b->len - b->off; }

/* ---- the MQTT 3.1.1 codec: encoders append to the out buffer ---- */

static uint8_t *put_header(buf_t *b, uint8_t type_flags, size_t remaining) {
    buf_reserve(b, remaining + 5);
    uint8_t *p = b->data + b->len;
    *p++ = type_flags;
    do {
        uint8_t d = remaining % 128;
        remaining /= 128;
        if (remaining) d |= 0x80;
        *p++ = d;
    } while (remaining);
    return p;
}

static uint8_t *put_u16(uint8_t *p, unsigned v) { *p++ = v >> 8; *p++ = v & 0xff; return p; }

static uint8_t *put_str(uint8_t *p, const char *s) {
    size_t n = strlen(s);
    p = put_u16(p, n);
    memcpy(p, s, n);
    return p + n;
}

static int persistent_sub;      /* -P: the subscriber keeps its session (clean session 0) */

static void enc_connect(buf_t *b, const char *client_id, int clean) {
    size_t rem = 10 + 2 + strlen(client_id);
    uint8_t *p = put_header(b, 0x10, rem);
    p = put_str(p, "MQTT");
    *p++ = 4;                   /* protocol level 3.1.1 */
    *p++ = clean ? 0x02 : 0x00;
    p = put_u16(p, 0);          /* keep alive off: runs are short and bounded */
    p = put_str(p, client_id);
    b->len = p - b->data;
}

static void enc_subscribe(buf_t *b, const char *filter, int qos) {
    uint8_t *p = put_header(b, 0x82, 2 + 2 + strlen(filter) + 1);
    p = put_u16(p, 1);
    p = put_str(p, filter);
    *p++ = qos;
    b->len = p - b->data;
}

static void enc_ack(buf_t *b, uint8_t type_flags, unsigned pid) {
    buf_reserve(b, 4);
    uint8_t *p = b->data + b->len;
    *p++ = type_flags;
    *p++ = 2;
    p = put_u16(p, pid);
    b->len = p - b->data;
}

static void enc_publish(buf_t *b, const char *topic, int qos, unsigned pid, uint32_t pub, uint32_t seq,
                        uint64_t t) {
    size_t tl = strlen(topic);
    size_t rem = 2 + tl + (qos ? 2 : 0) + opt.size;
    uint8_t *p = put_header(b, 0x30 | (qos << 1), rem);
    p = put_u16(p, tl);
    memcpy(p, topic, tl);
    p += tl;
    if (qos) p = put_u16(p, pid);
    uint8_t *pl = p;
    memcpy(pl, &pub, 4);
    memcpy(pl + 4, &seq, 4);
    memcpy(pl + 8, &t, 8);
    memset(pl + PAYLOAD_HDR, 'x', opt.size - PAYLOAD_HDR);
    b->len = (pl + opt.size) - b->data;
}

/* ---- connections ---- */

static void watch(conn_t *c, int out) {
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl");
    c->want_out = out;
}

static void flush(conn_t *c) {
    while (pending(&c->out) > 0) {
        ssize_t n = send(c->fd, c->out.data + c->out.off, pending(&c->out), MSG_NOSIGNAL);
        if (n > 0) {
            c->out.off += n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_out) watch(c, 1);
            return;
        }
        if (n < 0 && errno == EINTR) continue;
        fprintf(stderr, "mqtt-load: connection %d: write failed: %s\n", c->index, strerror(errno));
        exit(2);
    }
    c->out.off = c->out.len = 0;
    if (c->want_out) watch(c, 0);
}

static conn_t *open_conn(int is_pub, int index) {
    if (nconns >= MAX_CONNS) { errno = 0; die("too many connections"); }
    conn_t *c = &conns[nconns++];
    memset(c, 0, sizeof *c);
    c->is_pub = is_pub;
    c->index = index;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* -S: subscribers on another broker (a bridge pair: publishers on A, subscribers on B) */
    int port = !is_pub && opt.sub_port ? opt.sub_port : opt.port;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, opt.host, &a.sin_addr) != 1) { errno = 0; die("bad host (use a dotted IPv4 address)"); }
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) die("connect");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl add");
    char id[48];
    snprintf(id, sizeof id, "mqtt-load-%d-%s%d", (int)getpid(), is_pub ? "p" : "s", index);
    enc_connect(&c->out, id, is_pub || !persistent_sub);
    c->state = 1;
    if (opt.scenario == CONN) {
        /* idle connections: CONNECT and CONNACK only */
    } else if (is_pub) {
        c->pid_used = calloc(65536, 1);
        c->next_pid = 1;
        snprintf(topic_buf[index], sizeof topic_buf[index], "bench/%d", index);
    } else {
        c->seen = calloc(opt.pubs, sizeof *c->seen);
        c->highest = calloc(opt.pubs, sizeof *c->highest);
        for (int i = 0; i < opt.pubs; i++) c->seen[i] = calloc(opt.count / 8 + 1, 1);
    }
    flush(c);                   /* queues on EAGAIN until connected */
    return c;
}

static int started;
static uint64_t t_start_ns, t_deadline_ns;

static int pub_can_send(conn_t *c) {
    if (c->seq >= opt.count) return 0;
    if (opt.qos > 0 && c->inflight >= opt.window) return 0;
    return 1;
}

static void pub_send_one(conn_t *c, uint64_t t) {
    unsigned pid = 0;
    if (opt.qos > 0) {
        while (c->pid_used[c->next_pid]) c->next_pid = c->next_pid == 65535 ? 1 : c->next_pid + 1;
        pid = c->next_pid;
        c->next_pid = c->next_pid == 65535 ? 1 : c->next_pid + 1;
        c->pid_used[pid] = 1;
        c->inflight++;
    }
    if (!t_first_pub) t_first_pub = t;
    enc_publish(&c->out, topic_buf[c->index], opt.qos, pid, c->index, c->seq, t);
    c->seq++;
}

/* unpaced: fill the window (QoS 1/2) or write while the socket takes it (QoS 0, at most 64 kB queued);
 * at most 256 per call, so one publisher does not starve the others; returns whether it could send more */
static int pub_pump(conn_t *c) {
    if (!started || opt.scenario == LATENCY) return 0;
    uint64_t t = now_ns();
    int n = 0;
    while (pub_can_send(c) && pending(&c->out) == 0 && n < 256) {
        for (int k = 0; k < 64 && pub_can_send(c) && pending(&c->out) < 64 * 1024; k++) { pub_send_one(c, t); n++; }
        flush(c);
    }
    return pub_can_send(c) && pending(&c->out) == 0;
}

static void sub_receive(conn_t *c, const uint8_t *payload, size_t len, uint64_t t) {
    c->received++;
    t_last_recv = t;
    if (len < PAYLOAD_HDR) return;
    uint32_t pub, seq;
    uint64_t sent;
    memcpy(&pub, payload, 4);
    memcpy(&seq, payload + 4, 4);
    memcpy(&sent, payload + 8, 8);
    if (pub >= (uint32_t)opt.pubs || seq >= opt.count) return;
    uint8_t *bits = c->seen[pub];
    if (bits[seq >> 3] & (1 << (seq & 7))) { c->dup++; return; }
    bits[seq >> 3] |= 1 << (seq & 7);
    c->unique++;
    if (seq < c->highest[pub]) c->ooo++;
    else c->highest[pub] = seq;
    if (opt.scenario == LATENCY) {
        if (lat_n == lat_cap) {
            lat_cap = lat_cap ? lat_cap * 2 : 65536;
            lat_samples = realloc(lat_samples, lat_cap * sizeof *lat_samples);
            if (!lat_samples) die("out of memory");
        }
        lat_samples[lat_n++] = t - sent;
    }
}

/* epoll_pwait2 sleeps to the nanosecond; epoll_wait only to the millisecond, so a paced sender (latency:
 * one publish every 100 us) would have to spin on a core of its own, taking it from the broker under test
 * (on a 2-core machine, half of it). Falls back to epoll_wait, rounding up, where the kernel lacks pwait2. */
static int pwait2_missing;
static int wait_events(struct epoll_event *evs, int max, uint64_t timeout_ns) {
    if (!pwait2_missing) {
        struct timespec ts = { (time_t)(timeout_ns / 1000000000ull), (long)(timeout_ns % 1000000000ull) };
        int n = epoll_pwait2(epfd, evs, max, &ts, NULL);
        if (n >= 0 || errno != ENOSYS) return n;
        pwait2_missing = 1;
    }
    return epoll_wait(epfd, evs, max, (int)((timeout_ns + 999999) / 1000000));
}

static int ready_count;

static void on_packet(conn_t *c, uint8_t type, const uint8_t *p, size_t len, uint64_t t) {
    switch (type >> 4) {
    case 2:                     /* CONNACK */
        if (len < 2 || p[1] != 0) { fprintf(stderr, "mqtt-load: CONNACK refused (%d)\n", len >= 2 ? p[1] : -1); exit(2); }
        if (c->is_pub) { c->state = 3; ready_count++; }
        else { enc_subscribe(&c->out, "bench/#", opt.qos); c->state = 2; }
        break;
    case 9:                     /* SUBACK */
        if (len < 3 || p[2] >= 0x80) { fprintf(stderr, "mqtt-load: SUBSCRIBE refused\n"); exit(2); }
        c->state = 3;
        ready_count++;
        break;
    case 3: {                   /* PUBLISH to a subscriber */
        int qos = (type >> 1) & 3;
        if (len < 2) goto bad;
        size_t tl = (p[0] << 8) | p[1];
        size_t at = 2 + tl;
        unsigned pid = 0;
        if (qos) { if (len < at + 2) goto bad; pid = (p[at] << 8) | p[at + 1]; at += 2; }
        if (len < at) goto bad;
        if (qos == 1) enc_ack(&c->out, 0x40, pid);
        else if (qos == 2) enc_ack(&c->out, 0x50, pid);
        sub_receive(c, p + at, len - at, t);
        break;
    }
    case 6:                     /* PUBREL to a subscriber */
        if (len < 2) goto bad;
        enc_ack(&c->out, 0x70, (p[0] << 8) | p[1]);
        break;
    case 4:                     /* PUBACK */
    case 7: {                   /* PUBCOMP */
        if (len < 2) goto bad;
        unsigned pid = (p[0] << 8) | p[1];
        if (!c->is_pub || !c->pid_used[pid]) { fprintf(stderr, "mqtt-load: unexpected ack for %u\n", pid); exit(2); }
        c->pid_used[pid] = 0;
        c->inflight--;
        c->acked++;
        break;
    }
    case 5:                     /* PUBREC */
        if (len < 2) goto bad;
        enc_ack(&c->out, 0x62, (p[0] << 8) | p[1]);
        break;
    case 13:                    /* PINGRESP */
        break;
    default:
        fprintf(stderr, "mqtt-load: unexpected packet type %d\n", type >> 4);
        exit(2);
    }
    return;
bad:
    fprintf(stderr, "mqtt-load: malformed packet type %d\n", type >> 4);
    exit(2);
}

/* reads what the socket has, decodes whole packets, answers them in one write */
static void on_readable(conn_t *c) {
    for (;;) {
        buf_reserve(&c->in, read_chunk);
        ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
        if (n > 0) { c->in.len += n; if ((size_t)n < read_chunk / 2) break; continue; }
        if (n == 0) { fprintf(stderr, "mqtt-load: broker closed connection %s%d\n", c->is_pub ? "p" : "s", c->index); exit(2); }
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        die("recv");
    }
    uint64_t t = now_ns();
    for (;;) {
        size_t avail = pending(&c->in);
        const uint8_t *p = c->in.data + c->in.off;
        if (avail < 2) break;
        size_t rem = 0, mul = 1, i = 1;
        for (;; i++) {
            if (i >= avail) goto incomplete;
            if (i > 4) { fprintf(stderr, "mqtt-load: bad remaining length\n"); exit(2); }
            rem += (p[i] & 127) * mul;
            mul *= 128;
            if (!(p[i] & 128)) break;
        }
        if (avail < i + 1 + rem) break;
        on_packet(c, p[0], p + i + 1, rem, t);
        c->in.off += i + 1 + rem;
    }
incomplete:
    if (c->in.off == c->in.len) c->in.off = c->in.len = 0;
    if (c->is_pub) pub_pump(c);
    flush(c);
}

static uint64_t total_unique(void) {
    uint64_t u = 0;
    for (int i = 0; i < nconns; i++) if (!conns[i].is_pub) u += conns[i].unique;
    return u;
}

/* -P: end the persistent subscriber sessions again (CONNECT with clean session 1, DISCONNECT), so they do not
 * collect the next run's messages while offline; blocking, bounded by a 10 s receive timeout */
static void end_sessions(void) {
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (c->is_pub) continue;
        close(c->fd);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct timeval tv = {.tv_sec = 10};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(opt.port)};
        inet_pton(AF_INET, opt.host, &a.sin_addr);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { close(fd); continue; }
        char id[48];
        snprintf(id, sizeof id, "mqtt-load-%d-s%d", (int)getpid(), c->index);
        buf_t b = {0};
        enc_connect(&b, id, 1);
        (void)!write(fd, b.data, b.len);
        uint8_t ack[4];
        if (recv(fd, ack, 4, MSG_WAITALL) == 4) { uint8_t d[2] = {0xE0, 0}; (void)!write(fd, d, 2); }
        free(b.data);
        close(fd);
    }
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* conn: -c idle connections, at most 256 waiting for CONNACK at a time; rate = connections / time until the
 * last CONNACK; then they are held for -d seconds */
static int run_conn(uint64_t t0) {
    read_chunk = 512;
    struct epoll_event evs[256];
    int opened = 0;
    uint64_t t_all = 0;
    const char *why = "done";
    for (;;) {
        uint64_t t = now_ns();
        if (t > t_deadline_ns) { why = "timeout"; break; }
        while (opened < opt.pubs && opened - ready_count < 256) open_conn(1, opened++);
        if (!t_all && ready_count == opt.pubs) t_all = t;
        if (t_all && t - t_all >= (uint64_t)(opt.duration * 1e9)) break;
        int n = epoll_wait(epfd, evs, 256, 10);
        if (n < 0) { if (errno == EINTR) continue; die("epoll_wait"); }
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
                fprintf(stderr, "mqtt-load: connection %d failed\n", c->index);
                exit(2);
            }
            if (evs[i].events & EPOLLOUT) flush(c);
            if (evs[i].events & EPOLLIN) on_readable(c);
        }
    }
    double secs = t_all ? (t_all - t0) / 1e9 : 0;
    printf("{\"tool\":\"mqtt-load\",\"scenario\":\"conn\",\"connections\":%d,\"connected\":%d,"
           "\"connect_s\":%.3f,\"connect_rate\":%.0f,\"held_s\":%.1f,\"bench_cpu_s\":%.2f,\"end\":\"%s\"}\n",
           opt.pubs, ready_count, secs, secs > 0 ? opt.pubs / secs : 0.0, opt.duration, cpu_seconds(), why);
    return ready_count == opt.pubs ? 0 : 1;
}

static void usage(void) {
    fprintf(stderr,
            "usage: mqtt-load fanin|fanout|latency -p PORT [-H 127.0.0.1] [-c N] [-n COUNT] [-q 0|1|2] [-s BYTES]\n"
            "                 [-w INFLIGHT] [-r RATE] [-d SECONDS] [-t TIMEOUT] [-P 0|1] [-S PORT]\n"
            "  fanin: -c publishers (10) -> 1 subscriber; fanout: 1 publisher -> -c subscribers (100);\n"
            "  latency: 1 publisher at -r msg/s (10000) for -d s (10) -> 1 subscriber\n"
            "  conn: -c idle connections (10000), held for -d s (5); reports the connect rate\n"
            "  -n messages per publisher (20000), -w most unacknowledged per publisher (100), -s payload (64)\n"
            "  -t seconds before the run gives up (60); -P 1: subscribers keep their session (clean session 0)\n"
            "  -S PORT: subscribers connect to PORT instead of -p (through a bridge from -p to PORT)\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    if (!strcmp(argv[1], "fanin")) opt.scenario = FANIN;
    else if (!strcmp(argv[1], "fanout")) { opt.scenario = FANOUT; opt.pubs = 1; opt.subs = 100; opt.qos = 0; }
    else if (!strcmp(argv[1], "latency")) { opt.scenario = LATENCY; opt.pubs = 1; opt.qos = 0; }
    else if (!strcmp(argv[1], "conn")) { opt.scenario = CONN; opt.pubs = 10000; opt.subs = 0; opt.duration = 5; }
    else usage();
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc) usage();
        const char *f = argv[i], *v = argv[++i];
        if (!strcmp(f, "-p")) opt.port = atoi(v);
        else if (!strcmp(f, "-H")) opt.host = v;
        else if (!strcmp(f, "-c")) { if (opt.scenario == FANOUT) opt.subs = atoi(v); else opt.pubs = atoi(v); }
        else if (!strcmp(f, "-n")) opt.count = strtoul(v, NULL, 10);
        else if (!strcmp(f, "-q")) opt.qos = atoi(v);
        else if (!strcmp(f, "-s")) opt.size = atoi(v);
        else if (!strcmp(f, "-w")) opt.window = atoi(v);
        else if (!strcmp(f, "-r")) opt.rate = atof(v);
        else if (!strcmp(f, "-d")) opt.duration = atof(v);
        else if (!strcmp(f, "-t")) opt.timeout = atof(v);
        else if (!strcmp(f, "-P")) persistent_sub = atoi(v);
        else if (!strcmp(f, "-S")) opt.sub_port = atoi(v);
        else usage();
    }
    if (opt.qos < 0 || opt.qos > 2 || opt.size < PAYLOAD_HDR || opt.size > 65536 || opt.window < 1
        || opt.window > 65535 || opt.pubs < 1 || (opt.subs < 1 && opt.scenario != CONN) || opt.pubs + opt.subs > MAX_CONNS
        || opt.port < 1 || opt.timeout <= 0 || opt.rate <= 0) usage();
    if (opt.scenario == LATENCY) opt.count = (uint32_t)(opt.rate * opt.duration);
    if (opt.count < 1) usage();

    epfd = epoll_create1(0);
    if (epfd < 0) die("epoll_create1");
    uint64_t t0 = now_ns();
    t_deadline_ns = t0 + (uint64_t)(opt.timeout * 1e9);
    if (opt.scenario == CONN) return run_conn(t0);
    for (int i = 0; i < opt.subs; i++) open_conn(0, i);
    for (int i = 0; i < opt.pubs; i++) open_conn(1, i);
    struct epoll_event evs[256];
    uint64_t expected = (uint64_t)opt.pubs * opt.count * opt.subs;
    uint64_t t_connected = 0, t_sent_all = 0;
    uint64_t lat_interval = 0, lat_next = 0, lat_sent = 0, last_progress = 0;
    const char *why = "done";
    for (;;) {
        uint64_t t = now_ns();
        if (t > t_deadline_ns) { why = "timeout"; break; }
        if (!started && ready_count == nconns) {
            started = 1;
            t_connected = t_start_ns = last_progress = t;
            if (opt.scenario == LATENCY) { lat_interval = (uint64_t)(1e9 / opt.rate); lat_next = t; }
            for (int i = 0; i < nconns; i++) if (conns[i].is_pub) pub_pump(&conns[i]);
        }
        if (started && opt.scenario == LATENCY && lat_sent < opt.count) {
            conn_t *c = NULL;
            for (int i = 0; i < nconns; i++) if (conns[i].is_pub) c = &conns[i];
            int n = 0;
            while (lat_sent < opt.count && t >= lat_next && pub_can_send(c)) {
                pub_send_one(c, now_ns());
                lat_sent++;
                lat_next += lat_interval;
                n++;
            }
            if (n) flush(c);
        }
        if (started) {
            int all_sent = 1;
            for (int i = 0; i < nconns; i++)
                if (conns[i].is_pub && (conns[i].seq < opt.count || conns[i].inflight > 0)) all_sent = 0;
            if (all_sent && !t_sent_all) t_sent_all = t;
            if (all_sent && total_unique() >= expected) break;
            /* QoS 0 may drop by design; stop 5 s after the last receipt once everything is sent */
            if (all_sent && opt.qos == 0 && t_last_recv && t - t_last_recv > 5000000000ull
                && t - t_sent_all > 5000000000ull) { why = "idle"; break; }
        }
        /* QoS 0 publishers (and QoS 1/2 ones with room in their window) go on while their socket takes it */
        int more = 0;
        if (started && opt.scenario != LATENCY)
            for (int i = 0; i < nconns; i++)
                if (conns[i].is_pub && !conns[i].want_out) more |= pub_pump(&conns[i]);
        if (more || (t_last_recv > last_progress)) last_progress = t > t_last_recv ? t : t_last_recv;
        if (started && t - last_progress > 10000000000ull) { why = "stalled"; break; }
        uint64_t timeout_ns = more ? 0 : 100000000ull;
        if (started && opt.scenario == LATENCY && lat_sent < opt.count) {
            uint64_t now = now_ns();
            timeout_ns = lat_next > now ? lat_next - now : 0;
        }
        int n = wait_events(evs, 256, timeout_ns);
        if (n < 0) { if (errno == EINTR) continue; die("epoll_wait"); }
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
                fprintf(stderr, "mqtt-load: connection %s%d failed (is a broker listening on %s:%d?)\n",
                        c->is_pub ? "p" : "s", c->index, opt.host,
                        !c->is_pub && opt.sub_port ? opt.sub_port : opt.port);
                exit(2);
            }
            if (evs[i].events & EPOLLOUT) { flush(c); if (c->is_pub) pub_pump(c); }
            if (evs[i].events & EPOLLIN) on_readable(c);
        }
    }
    if (persistent_sub) end_sessions();
    uint64_t unique = 0, dup = 0, ooo = 0, received = 0, sent = 0, acked = 0;
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (c->is_pub) { sent += c->seq; acked += c->acked; }
        else { unique += c->unique; dup += c->dup; ooo += c->ooo; received += c->received; }
    }
    double secs = (t_last_recv > t_first_pub && t_first_pub) ? (t_last_recv - t_first_pub) / 1e9 : 0;
    double p50 = 0, p99 = 0, pmax = 0;
    if (lat_n) {
        qsort(lat_samples, lat_n, sizeof *lat_samples, cmp_u64);
        p50 = lat_samples[lat_n / 2] / 1e3;
        p99 = lat_samples[(size_t)(lat_n * 0.99)] / 1e3;
        pmax = lat_samples[lat_n - 1] / 1e3;
    }
    const char *names[] = {"fanin", "fanout", "latency"};
    printf("{\"tool\":\"mqtt-load\",\"scenario\":\"%s\",\"qos\":%d,\"publishers\":%d,\"subscribers\":%d,"
           "\"count\":%u,\"size\":%d,\"inflight\":%d,\"sent\":%llu,\"acked\":%llu,\"received\":%llu,"
           "\"unique\":%llu,\"expected\":%llu,\"lost\":%llu,\"dup\":%llu,\"out_of_order\":%llu,"
           "\"seconds\":%.4f,\"msgs_per_s\":%.0f,\"connect_s\":%.3f,\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,"
           "\"max\":%.1f},\"bench_cpu_s\":%.2f,\"end\":\"%s\"}\n",
           names[opt.scenario], opt.qos, opt.pubs, opt.subs, opt.count, opt.size, opt.window,
           (unsigned long long)sent, (unsigned long long)acked, (unsigned long long)received,
           (unsigned long long)unique, (unsigned long long)expected,
           (unsigned long long)(expected > unique ? expected - unique : 0), (unsigned long long)dup,
           (unsigned long long)ooo, secs, secs > 0 ? unique / secs : 0.0,
           t_connected ? (t_connected - t0) / 1e9 : 0.0, p50, p99, pmax, cpu_seconds(), why);
    return (unique < expected || dup > 0) ? 1 : 0;
}
