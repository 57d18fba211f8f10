// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the byte ring buffer (module/core/ring.c). */
#include "ktap.h"
#include "ring.h"

static int test_init(void)
{
	struct vmm_ring r;
	u8 buf[16];
	int ok = 1;

	ok &= KTAP_EXPECT(vmm_ring_init(&r, buf, 0) == -EINVAL);
	ok &= KTAP_EXPECT(vmm_ring_init(&r, buf, 12) == -EINVAL);
	ok &= KTAP_EXPECT(vmm_ring_init(&r, buf, 16) == 0);
	ok &= KTAP_EXPECT(vmm_ring_init(&r, buf, 1) == 0);
	ok &= KTAP_EXPECT(vmm_ring_used(&r) == 0 && vmm_ring_space(&r) == 1);
	ok &= KTAP_EXPECT(vmm_ring_init(&r, buf, 16) == 0);
	ok &= KTAP_EXPECT(vmm_ring_used(&r) == 0 && vmm_ring_space(&r) == 16);
	return ok;
}

static int test_bounds(void)
{
	struct vmm_ring r;
	u8 buf[8], in[20], out[20];
	int ok = 1;
	unsigned int i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = i + 1;
	vmm_ring_init(&r, buf, sizeof(buf));
	ok &= KTAP_EXPECT(vmm_ring_get(&r, out, 4) == 0);
	ok &= KTAP_EXPECT(vmm_ring_peek(&r, out, 4) == 0);
	ok &= KTAP_EXPECT(vmm_ring_put(&r, in, 0) == 0);
	ok &= KTAP_EXPECT(vmm_ring_put(&r, in, 20) == 8);	/* truncated */
	ok &= KTAP_EXPECT(vmm_ring_used(&r) == 8 && vmm_ring_space(&r) == 0);
	ok &= KTAP_EXPECT(vmm_ring_put(&r, in, 1) == 0);	/* full */
	memset(out, 0, sizeof(out));
	ok &= KTAP_EXPECT(vmm_ring_peek(&r, out, 3) == 3);
	ok &= KTAP_EXPECT(out[0] == 1 && out[2] == 3 && out[3] == 0);
	ok &= KTAP_EXPECT(vmm_ring_used(&r) == 8);		/* peek keeps */
	ok &= KTAP_EXPECT(vmm_ring_get(&r, out, 20) == 8);	/* truncated */
	ok &= KTAP_EXPECT(memcmp(out, in, 8) == 0);
	ok &= KTAP_EXPECT(vmm_ring_used(&r) == 0 && vmm_ring_space(&r) == 8);
	ok &= KTAP_EXPECT(vmm_ring_skip(&r, 5) == 0);
	return ok;
}

static int test_wrap(void)
{
	struct vmm_ring r;
	u8 buf[8], in[8], out[8];
	int ok = 1;
	unsigned int i, round;
	u8 next_in = 0, next_out = 0;

	vmm_ring_init(&r, buf, sizeof(buf));
	/* Uneven chunk sizes so that copies straddle the end of storage. */
	for (round = 0; round < 100; round++) {
		u32 n = 1 + round % 7, m = 1 + (round * 3) % 8, got, put;

		for (i = 0; i < n; i++)
			in[i] = next_in + i;
		put = vmm_ring_put(&r, in, n);
		next_in += put;
		ok &= KTAP_EXPECT(vmm_ring_used(&r) <= 8);
		got = vmm_ring_get(&r, out, m);
		for (i = 0; i < got; i++)
			ok &= KTAP_EXPECT(out[i] == (u8)(next_out + i));
		next_out += got;
		ok &= KTAP_EXPECT(vmm_ring_used(&r) + vmm_ring_space(&r) == 8);
	}
	/* Straddling peek + skip. */
	vmm_ring_reset(&r);
	for (i = 0; i < 8; i++)
		in[i] = 0xa0 + i;
	vmm_ring_put(&r, in, 6);
	vmm_ring_skip(&r, 6);
	ok &= KTAP_EXPECT(vmm_ring_put(&r, in, 8) == 8);	/* wraps at 2 */
	ok &= KTAP_EXPECT(vmm_ring_peek(&r, out, 8) == 8 && !memcmp(out, in, 8));
	ok &= KTAP_EXPECT(vmm_ring_skip(&r, 3) == 3 && vmm_ring_used(&r) == 5);
	ok &= KTAP_EXPECT(vmm_ring_get(&r, out, 8) == 5 && !memcmp(out, in + 3, 5));
	return ok;
}

static int test_counter_wrap(void)
{
	struct vmm_ring r;
	u8 buf[4], out[4];
	int ok = 1;

	vmm_ring_init(&r, buf, sizeof(buf));
	/* Free-running counters crossing 2^32. */
	r.head = r.tail = 0xfffffffeu;
	ok &= KTAP_EXPECT(vmm_ring_put(&r, "wxyz", 4) == 4);
	ok &= KTAP_EXPECT(r.head == 2 && vmm_ring_used(&r) == 4);
	ok &= KTAP_EXPECT(vmm_ring_space(&r) == 0);
	ok &= KTAP_EXPECT(vmm_ring_get(&r, out, 4) == 4 && !memcmp(out, "wxyz", 4));
	ok &= KTAP_EXPECT(vmm_ring_used(&r) == 0 && vmm_ring_space(&r) == 4);
	return ok;
}

int main(void)
{
	ktap_begin("ring", 4);
	ktap_result(test_init(), "init");
	ktap_result(test_bounds(), "bounds");
	ktap_result(test_wrap(), "wraparound");
	ktap_result(test_counter_wrap(), "counter_wrap");
	return ktap_end();
}
