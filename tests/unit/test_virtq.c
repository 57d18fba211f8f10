// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the split virtqueue core (module/core/virtq.c) on its
 * own: ring checks at enable, chain walking and byte copies across
 * buffers, index wrap-around at 2^16, used ring writes, EVENT_IDX in both
 * directions, and the broken-ring cases that must never loop or fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include "ktap.h"
#include "fake_blk.h"
#include "virtq.h"

#define RAM	(1u << 20)
#define QS	16
#define DESC	0x1000u
#define AVAIL	0x2000u
#define USED	0x3000u
#define IND	0x4000u

static struct fake_gmem gm;
static struct virtq vq;
static struct virtq_chain ch;

static void w16(u64 a, u16 v) { gm.ram[a] = v; gm.ram[a + 1] = v >> 8; }
static void w32(u64 a, u32 v) { w16(a, v); w16(a + 2, v >> 16); }
static void w64(u64 a, u64 v) { w32(a, v); w32(a + 4, v >> 32); }
static u16 r16(u64 a) { return gm.ram[a] | gm.ram[a + 1] << 8; }
static u32 r32(u64 a) { return r16(a) | (u32)r16(a + 2) << 16; }

static void desc(u64 t, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	w64(t + 16 * i, addr);
	w32(t + 16 * i + 8, len);
	w16(t + 16 * i + 12, flags);
	w16(t + 16 * i + 14, next);
}

static void fresh(bool event_idx)
{
	memset(gm.ram, 0, RAM);
	gm.faults = 0;
	virtq_init(&vq, &fake_gmem_ops, &gm);
	vq.size = QS;
	vq.desc = DESC;
	vq.avail = AVAIL;
	vq.used = USED;
	vq.event_idx = event_idx;
	vq.indirect = true;
	virtq_enable(&vq);
}

static void avail(u16 idx, u16 head)
{
	w16(AVAIL + 4 + 2 * ((idx - 1) % QS), head);
	w16(AVAIL + 2, idx);
}

static void test_enable_checks(void)
{
	bool ok;

	fresh(false);
	ok = KTAP_EXPECT(vq.ready);
	vq.size = 12;
	ok = ok && KTAP_EXPECT(virtq_enable(&vq) == -EINVAL) && KTAP_EXPECT(!vq.ready);
	vq.size = 2048;
	ok = ok && KTAP_EXPECT(virtq_enable(&vq) == -EINVAL);
	vq.size = QS;
	vq.used = USED + 2;
	ok = ok && KTAP_EXPECT(virtq_enable(&vq) == -EINVAL);
	vq.used = RAM - 8;
	ok = ok && KTAP_EXPECT(virtq_enable(&vq) == -EINVAL);
	vq.used = USED;
	vq.desc = ~0ULL - 15;
	ok = ok && KTAP_EXPECT(virtq_enable(&vq) == -EINVAL);
	vq.desc = DESC;
	gm.ro_base = USED;
	gm.ro_len = 0x100;
	ok = ok && KTAP_EXPECT(virtq_enable(&vq) == -EINVAL);
	gm.ro_len = 0;
	ok = ok && KTAP_EXPECT(virtq_enable(&vq) == 0);
	ktap_result(ok, "enable_checks_size_alignment_ram_writability");
}

static void test_chain_and_copy(void)
{
	u8 buf[40];
	bool ok;
	u32 i;

	fresh(false);
	for (i = 0; i < 40; i++)
		gm.ram[0x8000 + i] = i;
	/* readable 10 + 30 bytes, writable 5 + 7 */
	desc(DESC, 3, 0x8000, 10, VIRTQ_DESC_F_NEXT, 7);
	desc(DESC, 7, 0x800a, 30, VIRTQ_DESC_F_NEXT, 1);
	desc(DESC, 1, 0x9000, 5, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	desc(DESC, 2, 0xa000, 7, VIRTQ_DESC_F_WRITE, 0);
	avail(1, 3);
	ok = KTAP_EXPECT(virtq_pop(&vq, &ch) == 1) && KTAP_EXPECT(ch.head == 3) &&
	     KTAP_EXPECT(ch.nr == 4 && ch.nr_out == 2) &&
	     KTAP_EXPECT(ch.out_len == 40 && ch.in_len == 12);
	ok = ok && KTAP_EXPECT(virtq_chain_read(&vq, &ch, 8, buf, 4) == 0) &&
	     KTAP_EXPECT(buf[0] == 8 && buf[3] == 11) &&
	     KTAP_EXPECT(virtq_chain_read(&vq, &ch, 38, buf, 3) == -EINVAL);
	memset(buf, 0xab, sizeof(buf));
	ok = ok && KTAP_EXPECT(virtq_chain_write(&vq, &ch, 3, buf, 6) == 0) &&
	     KTAP_EXPECT(gm.ram[0x9003] == 0xab && gm.ram[0x9004] == 0xab &&
			 gm.ram[0xa003] == 0xab && gm.ram[0xa004] == 0) &&
	     KTAP_EXPECT(virtq_pop(&vq, &ch) == 0);
	ok = ok && KTAP_EXPECT(virtq_push(&vq, 3, 12) == 0) &&
	     KTAP_EXPECT(r16(USED + 2) == 1 && r32(USED + 4) == 3 && r32(USED + 8) == 12);
	ktap_result(ok, "chain_walk_copy_across_buffers_and_used_ring");
}

static void test_wraparound(void)
{
	bool ok = true;
	unsigned int n;

	fresh(false);
	/* start both sides just below 2^16 */
	vq.last_avail = 0xfffe;
	vq.used_idx = 0xfffe;
	desc(DESC, 0, 0x8000, 16, 0, 0);
	for (n = 0; n < 4; n++) {
		u16 idx = 0xfffe + n + 1;

		avail(idx, 0);
		ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == 1) &&
		     KTAP_EXPECT(virtq_push(&vq, 0, 0) == 0);
	}
	ok = ok && KTAP_EXPECT(vq.last_avail == 2) && KTAP_EXPECT(r16(USED + 2) == 2) &&
	     KTAP_EXPECT(!vq.broken);
	ktap_result(ok, "indexes_wrap_at_2_16");
}

static void test_event_idx(void)
{
	bool ok;

	fresh(true);
	desc(DESC, 0, 0x8000, 16, 0, 0);
	ok = KTAP_EXPECT(virtq_pop(&vq, &ch) == 0) &&
	     KTAP_EXPECT(r16(USED + 4 + 8 * QS) == 0);
	avail(1, 0);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == 1) &&
	     KTAP_EXPECT(virtq_pop(&vq, &ch) == 0) &&
	     KTAP_EXPECT(r16(USED + 4 + 8 * QS) == 1);
	/* used_event 2: signal when used passes 2, not before */
	w16(AVAIL + 4 + 2 * QS, 2);
	virtq_push(&vq, 0, 0);
	ok = ok && KTAP_EXPECT(!virtq_should_signal(&vq));
	virtq_push(&vq, 0, 0);
	ok = ok && KTAP_EXPECT(!virtq_should_signal(&vq));
	virtq_push(&vq, 0, 0);
	ok = ok && KTAP_EXPECT(virtq_should_signal(&vq));
	/* two pushes past the event at once still signal */
	w16(AVAIL + 4 + 2 * QS, 3);
	virtq_push(&vq, 0, 0);
	virtq_push(&vq, 0, 0);
	ok = ok && KTAP_EXPECT(virtq_should_signal(&vq));
	ktap_result(ok, "event_idx_both_directions");
}

static void test_broken(void)
{
	bool ok;

	fresh(false);
	/* avail idx 17 ahead of a 16-entry ring */
	w16(AVAIL + 2, QS + 1);
	ok = KTAP_EXPECT(virtq_pop(&vq, &ch) == -EIO) && KTAP_EXPECT(vq.broken) &&
	     KTAP_EXPECT(virtq_push(&vq, 0, 0) == -EIO) &&
	     KTAP_EXPECT(!virtq_should_signal(&vq));
	/* a full-ring cycle of NEXT links */
	fresh(false);
	for (int i = 0; i < QS; i++)
		desc(DESC, i, 0x8000, 16, VIRTQ_DESC_F_NEXT, (i + 1) % QS);
	avail(1, 5);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == -EIO);
	/* an indirect table with NEXT on the indirect descriptor */
	fresh(false);
	desc(IND, 0, 0x8000, 16, 0, 0);
	desc(DESC, 0, IND, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	avail(1, 0);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == -EIO);
	/* an indirect descriptor after a direct one */
	fresh(false);
	desc(DESC, 0, 0x8000, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(DESC, 1, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	avail(1, 0);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == -EIO);
	/* two readable buffers whose lengths overflow 32 bits */
	fresh(false);
	desc(IND, 0, 0x0, 0x80000000u, VIRTQ_DESC_F_NEXT, 1);
	desc(IND, 1, 0x0, 0x80000000u, 0, 0);
	desc(DESC, 0, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
	avail(1, 0);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == -EIO) && KTAP_EXPECT(gm.faults == 0);
	/* a disabled queue gives nothing and writes nothing */
	fresh(false);
	virtq_reset(&vq);
	avail(1, 0);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == 0) &&
	     KTAP_EXPECT(virtq_push(&vq, 0, 0) == -EIO) && KTAP_EXPECT(r16(USED + 2) == 0);
	ktap_result(ok, "broken_rings_fail_without_faults");
}

int main(void)
{
	gm.ram = calloc(1, RAM);
	gm.size = RAM;
	ktap_begin("virtq", 5);
	test_enable_checks();
	test_chain_and_copy();
	test_wraparound();
	test_event_idx();
	test_broken();
	free(gm.ram);
	return ktap_end();
}
