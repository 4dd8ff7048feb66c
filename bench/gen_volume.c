/*
 * gen_volume.c - deterministic test-volume generator for backup benchmarks.
 *
 * Build:  cc -O2 -o gen_volume gen_volume.c
 *
 * Modes:
 *   gen_volume create  IMG SIZE_MIB [SEED]
 *       Writes a SIZE_MIB image made of 4 MiB extents laid out in a seeded,
 *       shuffled order: ~40% incompressible PRNG bytes, ~30% all-zero,
 *       ~30% compressible log-like text with varying numbers.
 *   gen_volume mutate  IMG [SEED] [PERMILLE]
 *       Overwrites PERMILLE/1000 (default 10 = 1%) of the image's 4 KiB
 *       blocks, scattered uniformly (distinct blocks), with fresh PRNG bytes,
 *       in place. Size does not change.
 *   gen_volume rewrite IMG [SEED] [REGION_MIB]
 *       Overwrites one REGION_MIB (default 64) region, 4 MiB-aligned, at a
 *       seeded offset, with fresh PRNG bytes, in place. Size does not change.
 *
 * Everything is a pure function of (mode, size, seed): two runs with the same
 * arguments produce byte-identical files. mutate and rewrite also take a block
 * device (its size from BLKGETSIZE64), so the bench can change an attached
 * volume exactly as it changes the image file.
 *
 * Copied from the shared peers harness (../shared/bench/peers/gen_volume.c) and
 * owned here; the only change is the block-device size above.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXTENT (4u << 20)
#define BLK 4096u

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* xoshiro256** */
typedef struct { uint64_t s[4]; } rng_t;
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t rng_next(rng_t *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 45);
    return result;
}
static void rng_seed(rng_t *r, uint64_t seed) {
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&sm);
}
static uint64_t rng_below(rng_t *r, uint64_t n) { return rng_next(r) % n; }
static void fill_random(rng_t *r, unsigned char *buf, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { uint64_t v = rng_next(r); memcpy(buf + i, &v, 8); }
    if (i < n) { uint64_t v = rng_next(r); memcpy(buf + i, &v, n - i); }
}

static const char *LEVELS[] = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
static const char *SVCS[] = {"api", "scheduler", "volume", "backup", "nova-compute", "keystone"};
static const char *VERBS[] = {"GET", "POST", "PUT", "DELETE"};
static const char *PATHS[] = {"/v3/volumes", "/v3/snapshots", "/v3/backups", "/v2.1/servers",
                              "/v3/auth/tokens", "/v3/types"};

static void fill_text(rng_t *r, unsigned char *buf, size_t n, uint64_t *clock) {
    size_t off = 0;
    char line[512];
    while (off < n) {
        *clock += 1 + rng_below(r, 900);
        uint64_t ms = *clock;
        unsigned sec = (unsigned)((ms / 1000) % 60), min = (unsigned)((ms / 60000) % 60),
                 hr = (unsigned)((ms / 3600000) % 24), day = 1 + (unsigned)((ms / 86400000) % 28);
        int len = snprintf(line, sizeof line,
            "2024-03-%02u %02u:%02u:%02u.%03u %s %s[%u]: req-%08" PRIx64 " %s %s/%04u "
            "status=%u bytes=%u latency=%ums user=u%03u project=p%02u\n",
            day, hr, min, sec, (unsigned)(ms % 1000),
            LEVELS[rng_below(r, 6)], SVCS[rng_below(r, 6)], 1000 + (unsigned)rng_below(r, 64),
            (uint64_t)(rng_next(r) & 0xffffffffu), VERBS[rng_below(r, 4)], PATHS[rng_below(r, 6)],
            (unsigned)rng_below(r, 10000), rng_below(r, 10) ? 200u : 404u,
            (unsigned)rng_below(r, 100000), (unsigned)rng_below(r, 2000),
            (unsigned)rng_below(r, 200), (unsigned)rng_below(r, 40));
        size_t take = (size_t)len;
        if (take > n - off) take = n - off;
        memcpy(buf + off, line, take);
        off += take;
    }
}

static int write_all(int fd, const void *buf, size_t n, off_t off) {
    const unsigned char *p = buf;
    while (n) {
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0) { if (errno == EINTR) continue; perror("pwrite"); return -1; }
        p += w; n -= (size_t)w; off += w;
    }
    return 0;
}

static int do_create(const char *path, uint64_t size_mib, uint64_t seed) {
    uint64_t size = size_mib << 20;
    uint64_t next = (size + EXTENT - 1) / EXTENT;
    unsigned char *types = malloc(next);
    unsigned char *buf = malloc(EXTENT);
    if (!types || !buf) { perror("malloc"); return 1; }
    uint64_t n_rand = (next * 40 + 50) / 100, n_zero = (next * 30 + 50) / 100;
    for (uint64_t i = 0; i < next; i++) types[i] = i < n_rand ? 0 : (i < n_rand + n_zero ? 1 : 2);
    rng_t r; rng_seed(&r, seed);
    for (uint64_t i = next - 1; i > 0; i--) { /* Fisher-Yates */
        uint64_t j = rng_below(&r, i + 1);
        unsigned char t = types[i]; types[i] = types[j]; types[j] = t;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror(path); return 1; }
    uint64_t clock = 1700000000000ULL % 86400000ULL;
    uint64_t cnt[3] = {0, 0, 0};
    for (uint64_t e = 0; e < next; e++) {
        size_t n = (size_t)((size - e * EXTENT) < EXTENT ? (size - e * EXTENT) : EXTENT);
        cnt[types[e]]++;
        if (types[e] == 0) fill_random(&r, buf, n);
        else if (types[e] == 1) memset(buf, 0, n);
        else fill_text(&r, buf, n, &clock);
        if (write_all(fd, buf, n, (off_t)(e * EXTENT))) return 1;
    }
    if (fsync(fd)) perror("fsync");
    close(fd);
    fprintf(stderr, "created %s: %" PRIu64 " MiB, %" PRIu64 " extents (random %" PRIu64
            ", zero %" PRIu64 ", text %" PRIu64 "), seed %" PRIu64 "\n",
            path, size_mib, next, cnt[0], cnt[1], cnt[2], seed);
    free(types); free(buf);
    return 0;
}

/* Size in bytes of a regular file or a block device. */
static int size_of(int fd, uint64_t *size) {
    struct stat st;
    if (fstat(fd, &st)) { perror("fstat"); return -1; }
    if (S_ISBLK(st.st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, size)) { perror("BLKGETSIZE64"); return -1; }
        return 0;
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

static int do_mutate(const char *path, uint64_t seed, uint64_t permille) {
    int fd = open(path, O_RDWR);
    if (fd < 0) { perror(path); return 1; }
    uint64_t bytes; if (size_of(fd, &bytes)) return 1;
    uint64_t nblk = bytes / BLK;
    uint64_t want = (nblk * permille + 500) / 1000;
    unsigned char *hit = calloc(nblk, 1);
    unsigned char buf[BLK];
    rng_t r; rng_seed(&r, seed ^ 0x6d757461746521ULL);
    uint64_t done = 0;
    while (done < want) {
        uint64_t b = rng_below(&r, nblk);
        if (hit[b]) continue;
        hit[b] = 1; done++;
        fill_random(&r, buf, BLK);
        if (write_all(fd, buf, BLK, (off_t)(b * BLK))) return 1;
    }
    if (fsync(fd)) perror("fsync");
    close(fd);
    fprintf(stderr, "mutated %s: %" PRIu64 " of %" PRIu64 " 4KiB blocks (%.2f%%), seed %" PRIu64 "\n",
            path, done, nblk, 100.0 * (double)done / (double)nblk, seed);
    free(hit);
    return 0;
}

static int do_rewrite(const char *path, uint64_t seed, uint64_t region_mib) {
    int fd = open(path, O_RDWR);
    if (fd < 0) { perror(path); return 1; }
    uint64_t size; if (size_of(fd, &size)) return 1;
    uint64_t region = region_mib << 20;
    if (region > size) region = size;
    uint64_t slots = (size - region) / EXTENT + 1;
    rng_t r; rng_seed(&r, seed ^ 0x7265777269746521ULL);
    uint64_t off = rng_below(&r, slots) * EXTENT;
    unsigned char *buf = malloc(EXTENT);
    for (uint64_t o = 0; o < region; o += EXTENT) {
        size_t n = (size_t)(region - o < EXTENT ? region - o : EXTENT);
        fill_random(&r, buf, n);
        if (write_all(fd, buf, n, (off_t)(off + o))) return 1;
    }
    if (fsync(fd)) perror("fsync");
    close(fd);
    fprintf(stderr, "rewrote %s: %" PRIu64 " MiB at offset %" PRIu64 " MiB, seed %" PRIu64 "\n",
            path, region >> 20, off >> 20, seed);
    free(buf);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr,
                "usage: %s create IMG SIZE_MIB [SEED]\n"
                "       %s mutate IMG [SEED] [PERMILLE(default 10 = 1%%)]\n"
                "       %s rewrite IMG [SEED] [REGION_MIB(default 64)]\n",
                argv[0], argv[0], argv[0]);
        return 2;
    }
    const char *mode = argv[1], *img = argv[2];
    if (!strcmp(mode, "create")) {
        if (argc < 4) { fprintf(stderr, "create needs SIZE_MIB\n"); return 2; }
        return do_create(img, strtoull(argv[3], 0, 10), argc > 4 ? strtoull(argv[4], 0, 10) : 42);
    }
    if (!strcmp(mode, "mutate"))
        return do_mutate(img, argc > 3 ? strtoull(argv[3], 0, 10) : 1,
                         argc > 4 ? strtoull(argv[4], 0, 10) : 10);
    if (!strcmp(mode, "rewrite"))
        return do_rewrite(img, argc > 3 ? strtoull(argv[3], 0, 10) : 1,
                          argc > 4 ? strtoull(argv[4], 0, 10) : 64);
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
