// wsload: WebSocket echo load generator (RFC 6455 client framing, no compression), written for bench/web.sh so that
// neither server under test (Torsion, Kestrel, node-ws, autobahn) wrote its own load.
// N connections on 127.0.0.1:PORT; each sends one masked binary message of SIZE bytes and waits for its echo before
// the next (ping-pong). One level-triggered epoll loop, one send and (usually) one recv per message, no allocation
// in the loop; every echoed byte is checked. Prints MEASURING / MEASURED around the measured seconds, then
//   RESULT msgs_per_s=... conns=... size=... errors=0
// usage: wsload -p PORT [-P /ws] [-c 64] [-s 64] [-d 5] [-w 2]
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
    int fd;
    unsigned char *frame;     // the masked frame sent, constant per connection
    size_t frame_len;
    unsigned char *expect;    // the unmasked frame expected back
    size_t expect_len;
    unsigned char *got;
    size_t got_len;
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static size_t header(unsigned char *out, size_t size, int masked) {
    size_t n = 0;
    out[n++] = 0x82;  // FIN + binary
    if (size <= 125) {
        out[n++] = (masked ? 0x80 : 0) | (unsigned char)size;
    } else if (size <= 65535) {
        out[n++] = (masked ? 0x80 : 0) | 126;
        out[n++] = (unsigned char)(size >> 8);
        out[n++] = (unsigned char)size;
    } else {
        out[n++] = (masked ? 0x80 : 0) | 127;
        for (int i = 7; i >= 0; i--) out[n++] = (unsigned char)((uint64_t)size >> (8 * i));
    }
    return n;
}

static void send_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;  // rare with small frames: spin
            die("send");
        }
        p += w;
        n -= (size_t)w;
    }
}

static void handshake(int fd, int port, const char *path) {
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, port);
    send_all(fd, (unsigned char *)req, (size_t)n);
    char head[4096];
    size_t len = 0;
    while (len < sizeof head - 1) {
        ssize_t r = recv(fd, head + len, 1, 0);  // byte by byte: nothing after the head may be consumed
        if (r <= 0) die("recv handshake");
        len += (size_t)r;
        head[len] = 0;
        if (len >= 4 && memcmp(head + len - 4, "\r\n\r\n", 4) == 0) break;
    }
    if (strncmp(head, "HTTP/1.1 101", 12) != 0 || !strcasestr(head, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")) {
        fprintf(stderr, "wsload: the server did not accept the WebSocket handshake:\n%s\n", head);
        exit(1);
    }
    if (strcasestr(head, "Sec-WebSocket-Extensions")) {
        fprintf(stderr, "wsload: the server answered with extensions although none were offered:\n%s\n", head);
        exit(1);
    }
}

int main(int argc, char **argv) {
    int port = 0, conns = 64, opt;
    size_t size = 64;
    double duration = 5, warmup = 2;
    const char *path = "/ws";
    while ((opt = getopt(argc, argv, "p:P:c:s:d:w:")) != -1) {
        switch (opt) {
            case 'p': port = atoi(optarg); break;
            case 'P': path = optarg; break;
            case 'c': conns = atoi(optarg); break;
            case 's': size = (size_t)atol(optarg); break;
            case 'd': duration = atof(optarg); break;
            case 'w': warmup = atof(optarg); break;
            default: goto usage;
        }
    }
    if (port <= 0 || conns <= 0 || size == 0) {
    usage:
        fprintf(stderr, "usage: wsload -p PORT [-P /ws] [-c 64] [-s 64] [-d 5] [-w 2]\n");
        return 2;
    }

    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    struct conn *cs = calloc((size_t)conns, sizeof *cs);
    const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    for (int i = 0; i < conns; i++) {
        struct conn *c = &cs[i];
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c->fd < 0) die("socket");
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        handshake(c->fd, port, path);
        c->frame = malloc(size + 14);
        c->expect = malloc(size + 10);
        c->got = malloc(size + 10);
        size_t h = header(c->frame, size, 1);
        memcpy(c->frame + h, mask, 4);
        size_t e = header(c->expect, size, 0);
        for (size_t k = 0; k < size; k++) {
            unsigned char b = (unsigned char)(i * 31 + k * 7);
            c->expect[e + k] = b;
            c->frame[h + 4 + k] = b ^ mask[k & 3];
        }
        c->frame_len = h + 4 + size;
        c->expect_len = e + size;
        if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
        send_all(c->fd, c->frame, c->frame_len);
    }

    long measured = 0, errors = 0;
    int state = 0;  // 0 warm-up, 1 measuring, 2 done
    double start = now(), t_measure = start + warmup, t_end = t_measure + duration, t0 = 0, t1 = 0;
    struct epoll_event evs[256];
    while (state < 2) {
        int n = epoll_wait(ep, evs, 256, 100);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int j = 0; j < n; j++) {
            struct conn *c = &cs[evs[j].data.u32];
            ssize_t r = recv(c->fd, c->got + c->got_len, c->expect_len - c->got_len, 0);
            if (r == 0) {
                fprintf(stderr, "wsload: the server closed connection %u\n", evs[j].data.u32);
                return 1;
            }
            if (r < 0) {
                if (errno == EAGAIN || errno == EINTR) continue;
                die("recv");
            }
            c->got_len += (size_t)r;
            if (c->got_len < c->expect_len) continue;
            if (memcmp(c->got, c->expect, c->expect_len) != 0) errors++;
            c->got_len = 0;
            if (state == 1) measured++;
            send_all(c->fd, c->frame, c->frame_len);
        }
        double t = now();
        if (state == 0 && t >= t_measure) {
            state = 1;
            t0 = t;
            printf("MEASURING\n");
            fflush(stdout);
        } else if (state == 1 && t >= t_end) {
            state = 2;
            t1 = t;
            printf("MEASURED\n");
            fflush(stdout);
        }
    }
    printf("RESULT msgs_per_s=%.0f conns=%d size=%zu errors=%ld\n", measured / (t1 - t0), conns, size, errors);
    return errors == 0 ? 0 : 1;
}
