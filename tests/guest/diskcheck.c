// SPDX-License-Identifier: GPL-2.0
/*
 * diskcheck: the disk test of the guest ISOs, and its host-side twin.
 *
 *   diskcheck write DEV MiB THREADS   pattern over the first MiB MiB with
 *                                     O_DIRECT from THREADS threads (queue
 *                                     depth > 1: NCQ), then fsync (FLUSH),
 *                                     then read back and verify
 *   diskcheck verify FILE MiB         the pattern is there (host side)
 *   diskcheck discard DEV OFF_MiB LEN_MiB   BLKDISCARD, then the range
 *                                     must read back as zeros
 *   diskcheck randread DEV SECONDS THREADS  4 KiB random O_DIRECT reads
 *                                     from THREADS threads (queue depth =
 *                                     THREADS): prints IOPS, the number of
 *                                     reads and p50/p99 latency (a
 *                                     benchmark, not a test; DEV may be a
 *                                     regular file)
 *   diskcheck randwrite DEV SECONDS THREADS  the same with 4 KiB random
 *                                     O_DIRECT writes (destroys DEV's data)
 *   diskcheck seqread DEV SECONDS THREADS  1 MiB sequential O_DIRECT
 *                                     reads, each thread its own stream
 *                                     (its share of DEV, wrapping); MB/s
 *   diskcheck aread DEV SECONDS QD    4 KiB random O_DIRECT reads through
 *                                     Linux AIO from one thread, as fio's
 *                                     libaio engine with iodepth=QD,
 *                                     iodepth_batch_submit=QD and
 *                                     iodepth_batch_complete_min=QD/2: QD
 *                                     reads in one io_submit, then each
 *                                     time at least half have completed,
 *                                     as many again in one io_submit (the
 *                                     device's queue stays full, as a
 *                                     fast guest keeps it); same output
 *   diskcheck randread DEV SECONDS THREADS MiB   random reads over the
 *                                     first MiB MiB only
 *   diskcheck randwrite DEV SECONDS THREADS MiB@OFF   random writes over
 *                                     MiB MiB from OFF MiB on (any of the
 *                                     three benchmarks takes MiB@OFF)
 *   diskcheck firstwrite DEV          the cost of a first write: 4 KiB
 *                                     O_DIRECT write + fdatasync into 8
 *                                     blocks at 48 MiB never written, then
 *                                     the same again (now allocated): us
 *   diskcheck flushloop DEV FIRST     the crash test's guest: record i =
 *                                     FIRST, FIRST+1, ... (4 KiB, O_DIRECT,
 *                                     each in a new 1 MiB block at first)
 *                                     written, then fdatasync (FLUSH), then
 *                                     "FLUSHED i" printed; until killed
 *   diskcheck flushcheck FILE N       records 1..N are in FILE (host side)
 *
 * Chunks vary in size (4-64 KiB) and are written in a shuffled order, so
 * requests overlap in flight and complete out of order. Every 512-byte
 * sector of the pattern names its own byte offset, so a misplaced or
 * stale sector is caught and reported where it is. Exit status 0 = ok.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SECTOR		512
#define MAX_CHUNK	(64 * 1024)
#define MAGIC		0x766d6d6469736bULL	/* "vmmdisk" */

struct chunk {
	uint64_t off;
	uint32_t len;
};

static struct chunk *chunks;
static unsigned int n_chunks, next_chunk;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int dev_fd;
static int failed;
static int reading;

static void fill(uint8_t *buf, uint64_t off, uint32_t len)
{
	uint32_t s;

	for (s = 0; s < len; s += SECTOR) {
		uint64_t *w = (uint64_t *)(buf + s);
		unsigned int i;

		for (i = 0; i < SECTOR / 8; i++)
			w[i] = (off + s) * 0x9e3779b97f4a7c15ULL + i + MAGIC;
	}
}

static int check(const uint8_t *buf, uint64_t off, uint32_t len)
{
	static uint8_t want[MAX_CHUNK];
	uint32_t s;

	fill(want, off, len);
	for (s = 0; s < len; s += SECTOR) {
		if (memcmp(buf + s, want + s, SECTOR)) {
			fprintf(stderr, "diskcheck: sector at byte %llu differs\n",
				(unsigned long long)(off + s));
			return -1;
		}
	}
	return 0;
}

static void *worker(void *arg)
{
	uint8_t *buf;

	(void)arg;
	if (posix_memalign((void **)&buf, 4096, MAX_CHUNK))
		return NULL;
	for (;;) {
		struct chunk c;
		ssize_t r;

		pthread_mutex_lock(&lock);
		if (next_chunk == n_chunks || failed) {
			pthread_mutex_unlock(&lock);
			break;
		}
		c = chunks[next_chunk++];
		pthread_mutex_unlock(&lock);
		if (reading) {
			r = pread(dev_fd, buf, c.len, c.off);
			pthread_mutex_lock(&lock);
			if (r != (ssize_t)c.len || check(buf, c.off, c.len))
				failed = 1;
			pthread_mutex_unlock(&lock);
		} else {
			fill(buf, c.off, c.len);
			r = pwrite(dev_fd, buf, c.len, c.off);
			if (r != (ssize_t)c.len) {
				fprintf(stderr, "diskcheck: write at %llu: %s\n",
					(unsigned long long)c.off,
					r < 0 ? strerror(errno) : "short");
				failed = 1;
			}
		}
	}
	free(buf);
	return NULL;
}

static uint64_t rng = 0x12345678abcdefULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void make_chunks(uint64_t bytes)
{
	uint64_t off = 0;
	unsigned int i;

	chunks = calloc(bytes / 4096 + 1, sizeof(*chunks));
	while (off < bytes) {
		uint32_t len = 4096u << (rnd() % 5);	/* 4-64 KiB */

		if (len > bytes - off)
			len = bytes - off;
		chunks[n_chunks++] = (struct chunk){ off, len };
		off += len;
	}
	for (i = n_chunks - 1; i > 0; i--) {
		unsigned int j = rnd() % (i + 1);
		struct chunk t = chunks[i];

		chunks[i] = chunks[j];
		chunks[j] = t;
	}
}

static int run_threads(unsigned int n)
{
	pthread_t t[64];
	unsigned int i;

	next_chunk = 0;
	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return failed ? -1 : 0;
}

static int cmd_write(const char *dev, uint64_t mib, unsigned int threads)
{
	dev_fd = open(dev, O_RDWR | O_DIRECT);
	if (dev_fd < 0) {
		perror(dev);
		return 1;
	}
	make_chunks(mib << 20);
	if (run_threads(threads))
		return 1;
	if (fsync(dev_fd)) {
		perror("fsync");
		return 1;
	}
	printf("diskcheck: wrote %llu MiB in %u chunks from %u threads, flushed\n",
	       (unsigned long long)mib, n_chunks, threads);
	reading = 1;
	if (run_threads(threads))
		return 1;
	printf("diskcheck: read back and verified\n");
	return 0;
}

static int cmd_verify(const char *file, uint64_t mib)
{
	dev_fd = open(file, O_RDONLY);
	if (dev_fd < 0) {
		perror(file);
		return 1;
	}
	make_chunks(mib << 20);
	reading = 1;
	if (run_threads(1))
		return 1;
	printf("diskcheck: %s holds the pattern (%llu MiB)\n", file,
	       (unsigned long long)mib);
	return 0;
}

static int cmd_discard(const char *dev, uint64_t off_mib, uint64_t len_mib)
{
	uint64_t range[2] = { off_mib << 20, len_mib << 20 }, i;
	uint8_t *buf;
	int fd = open(dev, O_RDWR | O_DIRECT);

	if (fd < 0 || posix_memalign((void **)&buf, 4096, 1 << 20)) {
		perror(dev);
		return 1;
	}
	if (ioctl(fd, BLKDISCARD, range)) {
		perror("BLKDISCARD");
		return 1;
	}
	for (i = 0; i < len_mib; i++) {
		uint64_t j;

		if (pread(fd, buf, 1 << 20, range[0] + (i << 20)) != 1 << 20) {
			perror("read after discard");
			return 1;
		}
		for (j = 0; j < (1 << 20); j++)
			if (buf[j]) {
				fprintf(stderr, "diskcheck: byte %llu not zero after discard\n",
					(unsigned long long)(range[0] + (i << 20) + j));
				return 1;
			}
	}
	printf("diskcheck: discarded %llu MiB at %llu MiB, reads zeros\n",
	       (unsigned long long)len_mib, (unsigned long long)off_mib);
	return 0;
}

static volatile int stop;
static uint64_t dev_bytes;
/* where the benchmarks' range starts (MiB@OFF) */
static uint64_t bench_base;

/*
 * Latency histogram, log-linear: values below 16 ns have their own bucket,
 * above that 16 buckets per power of two (a bucket is at most 1/16 = 6%
 * wide), so a percentile is known to within 6% whatever the scale.
 */
#define LAT_SUB		16
#define LAT_BUCKETS	(LAT_SUB + 60 * LAT_SUB)

struct reader {
	unsigned long ios;
	unsigned int id;
	uint64_t hist[LAT_BUCKETS];
};

static struct reader readers[64];

static unsigned int lat_bucket(uint64_t ns)
{
	unsigned int msb;

	if (ns < LAT_SUB)
		return ns;
	msb = 63 - __builtin_clzll(ns);		/* >= 4 */
	return LAT_SUB + (msb - 4) * LAT_SUB + ((ns >> (msb - 4)) & (LAT_SUB - 1));
}

/* the middle of bucket i, in ns */
static double lat_value(unsigned int i)
{
	unsigned int msb, sub;
	double lo, width;

	if (i < LAT_SUB)
		return i;
	msb = (i - LAT_SUB) / LAT_SUB + 4;
	sub = (i - LAT_SUB) % LAT_SUB;
	width = (double)(1ULL << (msb - 4));
	lo = (LAT_SUB + sub) * width;
	return lo + width / 2;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

enum bench_op { OP_RANDREAD, OP_RANDWRITE, OP_SEQREAD };
static enum bench_op bench_op;
static uint32_t bench_bs = 4096;
static unsigned int bench_threads;

static void *rand_reader(void *arg)
{
	struct reader *rd = arg;
	uint64_t r = (rd->id + 1) * 0x9e3779b97f4a7c15ULL | 1;
	uint64_t blocks = dev_bytes / bench_bs, share = blocks / bench_threads ?: 1;
	uint64_t seq = rd->id * share % blocks;
	uint8_t *buf;

	if (posix_memalign((void **)&buf, 4096, bench_bs))
		return NULL;
	memset(buf, 0xa5 ^ rd->id, bench_bs);
	while (!stop) {
		uint64_t t0, t1, off;
		ssize_t done;

		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		if (bench_op == OP_SEQREAD) {
			off = seq * bench_bs;
			seq = seq + 1 < blocks ? seq + 1 : 0;
		} else {
			off = (r % blocks) * bench_bs;
		}
		off += bench_base;
		t0 = now_ns();
		if (bench_op == OP_RANDWRITE)
			done = pwrite(dev_fd, buf, bench_bs, off);
		else
			done = pread(dev_fd, buf, bench_bs, off);
		if (done != (ssize_t)bench_bs)
			break;
		t1 = now_ns();
		rd->hist[lat_bucket(t1 - t0)]++;
		rd->ios++;
	}
	free(buf);
	return NULL;
}

/* the latency (us) below which a fraction p of the requests completed */
static double percentile(const uint64_t *hist, uint64_t total, double p)
{
	uint64_t want = (uint64_t)(p * total + 0.999999), sum = 0;
	unsigned int i;

	if (!want)
		want = 1;
	for (i = 0; i < LAT_BUCKETS; i++) {
		sum += hist[i];
		if (sum >= want)
			return lat_value(i) / 1000.0;
	}
	return 0;
}

static uint64_t bench_limit_mib, bench_base_mib;

/* dev_fd: DEV opened with O_DIRECT; dev_bytes: a block device's size, or a regular file's */
static int open_sized(const char *dev, int flags)
{
	dev_fd = open(dev, flags | O_DIRECT);
	if (dev_fd < 0) {
		perror(dev);
		return 1;
	}
	if (ioctl(dev_fd, BLKGETSIZE64, &dev_bytes)) {
		off_t end = lseek(dev_fd, 0, SEEK_END);

		if (end < 0) {
			perror(dev);
			return 1;
		}
		dev_bytes = end;
	}
	return 0;
}

static int cmd_bench(const char *name, const char *dev, unsigned int secs,
		     unsigned int threads)
{
	static uint64_t hist[LAT_BUCKETS];
	pthread_t t[64];
	unsigned long total = 0;
	uint64_t t0, t1;
	unsigned int i, b;
	double el;

	bench_op = !strcmp(name, "randwrite") ? OP_RANDWRITE :
		   !strcmp(name, "seqread") ? OP_SEQREAD : OP_RANDREAD;
	bench_bs = bench_op == OP_SEQREAD ? 1 << 20 : 4096;
	bench_threads = threads;
	if (open_sized(dev, bench_op == OP_RANDWRITE ? O_RDWR : O_RDONLY))
		return 1;
	if ((bench_base_mib << 20) >= dev_bytes) {
		fprintf(stderr, "diskcheck: %s ends before %llu MiB\n", dev,
			(unsigned long long)bench_base_mib);
		return 1;
	}
	bench_base = bench_base_mib << 20;
	dev_bytes -= bench_base;
	if (bench_limit_mib && (bench_limit_mib << 20) < dev_bytes)
		dev_bytes = bench_limit_mib << 20;
	if (dev_bytes < bench_bs) {
		fprintf(stderr, "diskcheck: %s is smaller than %u KiB\n", dev, bench_bs >> 10);
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < threads; i++) {
		readers[i].id = i;
		pthread_create(&t[i], NULL, rand_reader, &readers[i]);
	}
	sleep(secs);
	stop = 1;
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += readers[i].ios;
		for (b = 0; b < LAT_BUCKETS; b++)
			hist[b] += readers[i].hist[b];
	}
	t1 = now_ns();
	el = (t1 - t0) / 1e9;
	/* IOPS over the time all threads ran, last completions included */
	printf("diskcheck: %s qd %u: %lu IOPS, %lu ios in %.2f s, "
	       "p50 %.1f us, p99 %.1f us, %.1f MB/s\n", name, threads,
	       (unsigned long)(total / el), total, el,
	       percentile(hist, total, 0.50), percentile(hist, total, 0.99),
	       total * (double)bench_bs / el / 1e6);
	return total ? 0 : 1;
}

/* Linux AIO by its system calls (no libaio in the guest) */
static int aio_submit(aio_context_t ctx, long n, struct iocb **iocbs)
{
	return syscall(SYS_io_submit, ctx, n, iocbs);
}

/*
 * aread: one thread keeps qd random 4 KiB O_DIRECT reads in flight, in
 * batches: all of them at first, then, each time at least half have
 * completed, every completed one again in one io_submit.
 */
static int cmd_aread(const char *dev, unsigned int secs, unsigned int qd)
{
	static uint64_t hist[LAT_BUCKETS];
	static struct iocb cbs[64];
	static uint64_t start[64];
	struct iocb *list[64];
	struct io_event ev[64];
	aio_context_t ctx = 0;
	uint64_t r = 0x9e3779b97f4a7c15ULL, blocks, t0, t1, end, total = 0;
	unsigned int i, n, inflight = 0;
	uint8_t *bufs;
	double el;

	if (open_sized(dev, O_RDONLY))
		return 1;
	if (bench_limit_mib && (bench_limit_mib << 20) < dev_bytes)
		dev_bytes = bench_limit_mib << 20;
	blocks = dev_bytes / 4096;
	if (!blocks || posix_memalign((void **)&bufs, 4096, (size_t)qd * 4096) ||
	    syscall(SYS_io_setup, qd, &ctx)) {
		perror("diskcheck: aread");
		return 1;
	}
	for (i = 0; i < qd; i++) {
		cbs[i].aio_fildes = dev_fd;
		cbs[i].aio_lio_opcode = IOCB_CMD_PREAD;
		cbs[i].aio_buf = (uintptr_t)(bufs + (size_t)i * 4096);
		cbs[i].aio_nbytes = 4096;
		cbs[i].aio_data = i;
	}
	t0 = now_ns();
	end = t0 + (uint64_t)secs * 1000000000ULL;
	/* the first batch: every slot */
	n = qd;
	for (i = 0; i < qd; i++)
		list[i] = &cbs[i];
	for (;;) {
		uint64_t now = now_ns();

		for (i = 0; i < n; i++) {
			r ^= r << 13; r ^= r >> 7; r ^= r << 17;
			list[i]->aio_offset = bench_base + (r % blocks) * 4096;
			start[list[i]->aio_data] = now;
		}
		if (n && aio_submit(ctx, n, list) != (int)n) {
			perror("diskcheck: io_submit");
			return 1;
		}
		inflight += n;
		n = syscall(SYS_io_getevents, ctx, qd / 2 ?: 1, qd, ev, NULL);
		if ((int)n < 0) {
			perror("diskcheck: io_getevents");
			return 1;
		}
		now = now_ns();
		inflight -= n;
		for (i = 0; i < n; i++) {
			if (ev[i].res != 4096) {
				fprintf(stderr, "diskcheck: aread: %lld\n", (long long)ev[i].res);
				return 1;
			}
			hist[lat_bucket(now - start[ev[i].data])]++;
			total++;
			list[i] = &cbs[ev[i].data];
		}
		if (now >= end)
			n = 0;	/* drain: submit no more */
		if (!n)
			break;
	}
	/* what is still in flight completes before the figures */
	while (inflight) {
		int got = syscall(SYS_io_getevents, ctx, 1, qd, ev, NULL);

		if (got <= 0)
			break;
		inflight -= got;
	}
	t1 = now_ns();
	el = (t1 - t0) / 1e9;
	printf("diskcheck: aread qd %u: %lu IOPS, %lu ios in %.2f s, "
	       "p50 %.1f us, p99 %.1f us, %.1f MB/s\n", qd,
	       (unsigned long)(total / el), (unsigned long)total, el,
	       percentile(hist, total, 0.50), percentile(hist, total, 0.99),
	       total * 4096.0 / el / 1e6);
	syscall(SYS_io_destroy, ctx);
	return total ? 0 : 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static int cmd_firstwrite(const char *dev)
{
	uint64_t t[2] = { 0, 0 };
	uint8_t *buf;
	int fd = open(dev, O_RDWR | O_DIRECT), pass, i;

	if (fd < 0 || posix_memalign((void **)&buf, 4096, 4096)) {
		perror(dev);
		return 1;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < 8; i++) {
			uint64_t off = (48ULL + i) << 20, t0 = now_us();

			fill(buf, off, 4096);
			if (pwrite(fd, buf, 4096, off) != 4096 || fdatasync(fd)) {
				perror("firstwrite");
				return 1;
			}
			t[pass] += now_us() - t0;
		}
	}
	printf("diskcheck: 4 KiB write+flush: %llu us into a new block, %llu us into a written one\n",
	       (unsigned long long)t[0] / 8, (unsigned long long)t[1] / 8);
	return 0;
}

/* Record i (from 1): 60 blocks of 1 MiB round robin, 4 KiB apart. */
#define REC_BLOCKS	60

static uint64_t rec_off(uint64_t i)
{
	return ((i - 1) % REC_BLOCKS) * (1 << 20) + ((i - 1) / REC_BLOCKS) * 4096;
}

static int cmd_flushloop(const char *dev, uint64_t first)
{
	uint8_t *buf;
	uint64_t i;
	int fd = open(dev, O_RDWR | O_DIRECT);

	if (fd < 0 || posix_memalign((void **)&buf, 4096, 4096)) {
		perror(dev);
		return 1;
	}
	for (i = first ? first : 1; rec_off(i) < (64 << 20) - 4096; i++) {
		fill(buf, rec_off(i), 4096);
		if (pwrite(fd, buf, 4096, rec_off(i)) != 4096 || fdatasync(fd)) {
			perror("flushloop");
			return 1;
		}
		printf("FLUSHED %llu\n", (unsigned long long)i);
		fflush(stdout);
	}
	return 0;
}

static int cmd_flushcheck(const char *file, uint64_t n)
{
	static uint8_t buf[4096];
	uint64_t i;
	int fd = open(file, O_RDONLY);

	if (fd < 0) {
		perror(file);
		return 1;
	}
	for (i = 1; i <= n; i++) {
		if (pread(fd, buf, 4096, rec_off(i)) != 4096 ||
		    check(buf, rec_off(i), 4096)) {
			fprintf(stderr, "diskcheck: flushed record %llu missing\n",
				(unsigned long long)i);
			return 1;
		}
	}
	for (; pread(fd, buf, 4096, rec_off(i)) == 4096; i++) {
		uint32_t s;

		for (s = 0; s < 4096 && !buf[s]; s++)
			;
		if (s == 4096)
			break;
	}
	printf("diskcheck: records 1..%llu flushed and present (%llu written)\n",
	       (unsigned long long)n, (unsigned long long)i - 1);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "flushloop"))
		return cmd_flushloop(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "flushcheck"))
		return cmd_flushcheck(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], strtoull(argv[3], NULL, 0),
				 strtoul(argv[4], NULL, 0) % 64 ?: 1);
	if (argc == 4 && !strcmp(argv[1], "verify"))
		return cmd_verify(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "discard"))
		return cmd_discard(argv[2], strtoull(argv[3], NULL, 0),
				   strtoull(argv[4], NULL, 0));
	if ((argc == 5 || argc == 6) &&
	    (!strcmp(argv[1], "randread") || !strcmp(argv[1], "randwrite") ||
	     !strcmp(argv[1], "seqread"))) {
		char *at = NULL;

		bench_limit_mib = argc == 6 ? strtoull(argv[5], &at, 0) : 0;
		if (at && *at == '@')
			bench_base_mib = strtoull(at + 1, NULL, 0);
		return cmd_bench(argv[1], argv[2], strtoul(argv[3], NULL, 0) ?: 1,
				 strtoul(argv[4], NULL, 0) % 64 ?: 1);
	}
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "aread")) {
		bench_limit_mib = argc == 6 ? strtoull(argv[5], NULL, 0) : 0;
		return cmd_aread(argv[2], strtoul(argv[3], NULL, 0) ?: 1,
				 strtoul(argv[4], NULL, 0) % 65 ?: 1);
	}
	if (argc == 3 && !strcmp(argv[1], "firstwrite"))
		return cmd_firstwrite(argv[2]);
	fprintf(stderr, "usage: diskcheck write DEV MiB THREADS | verify FILE MiB | "
		"discard DEV OFF_MiB LEN_MiB | randread|randwrite|seqread DEV SECONDS THREADS [MiB[@OFF]] | "
		"aread DEV SECONDS QD [MiB] | "
		"firstwrite DEV | flushloop DEV FIRST | flushcheck FILE N\n");
	return 2;
}
