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

/* Packed rings: the driver's side of a slot at free-running count cnt. */
static void pdesc(u16 cnt, u64 addr, u32 len, u16 id, u16 flags)
{
	u64 d = DESC + 16 * (cnt % QS);
	bool wrap = !((cnt / QS) & 1);

	w64(d, addr);
	w32(d + 8, len);
	w16(d + 12, id);
	w16(d + 14, flags | (wrap ? VIRTQ_DESC_F_AVAIL : VIRTQ_DESC_F_USED));
}

static void fresh_packed(bool event_idx)
{
	fresh(event_idx);
	vq.packed = true;
	virtq_enable(&vq);
}

static void test_packed_chain(void)
{
	bool ok;

	fresh_packed(false);
	ok = KTAP_EXPECT(vq.ready) && KTAP_EXPECT(virtq_pop(&vq, &ch) == 0);
	pdesc(1, 0x9000, 512, 7, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
	pdesc(2, 0xa000, 1, 7, VIRTQ_DESC_F_WRITE);
	pdesc(0, 0x8000, 16, 7, VIRTQ_DESC_F_NEXT);	/* head last */
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == 1) &&
	     KTAP_EXPECT(ch.head == 7 && ch.slots == 3) &&
	     KTAP_EXPECT(ch.nr == 3 && ch.nr_out == 1 && ch.in_len == 513) &&
	     KTAP_EXPECT(virtq_pop(&vq, &ch) == 0);
	ok = ok && KTAP_EXPECT(virtq_push_n(&vq, 7, 3, 513) == 0) &&
	     KTAP_EXPECT(r16(DESC + 12) == 7 && r32(DESC + 8) == 513) &&
	     KTAP_EXPECT(r16(DESC + 14) == (VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED)) &&
	     KTAP_EXPECT(vq.used_idx == 3);
	/* an indirect table: one slot, three buffers */
	desc(IND, 0, 0x8000, 16, 0, 0);
	desc(IND, 1, 0x9000, 512, VIRTQ_DESC_F_WRITE, 0);
	desc(IND, 2, 0xa000, 1, VIRTQ_DESC_F_WRITE, 0);
	pdesc(3, IND, 48, 9, VIRTQ_DESC_F_INDIRECT);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == 1) &&
	     KTAP_EXPECT(ch.head == 9 && ch.slots == 1 && ch.nr == 3) &&
	     KTAP_EXPECT(virtq_push_n(&vq, 9, 1, 0) == 0) && KTAP_EXPECT(vq.used_idx == 4);
	ktap_result(ok, "packed_chain_indirect_and_used_descriptor");
}

static void test_packed_wrap(void)
{
	bool ok = true;
	u16 cnt;

	fresh_packed(false);
	/* 40 one-slot chains through a 16-slot ring: wrap counters flip */
	for (cnt = 0; cnt < 40; cnt++) {
		bool wrap = !((cnt / QS) & 1);

		pdesc(cnt, 0x8000, 16, cnt, 0);
		ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == 1) &&
		     KTAP_EXPECT(ch.head == cnt) &&
		     KTAP_EXPECT(virtq_pop(&vq, &ch) == 0) &&
		     KTAP_EXPECT(virtq_push_n(&vq, cnt, 1, 0) == 0) &&
		     KTAP_EXPECT(r16(DESC + 16 * (cnt % QS) + 14) ==
				 (wrap ? VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0));
		if (!ok)
			break;
	}
	/* unpop gives the same chain again */
	pdesc(40, 0x8000, 16, 99, 0);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == 1);
	virtq_unpop(&vq);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == 1) && KTAP_EXPECT(ch.head == 99) &&
	     KTAP_EXPECT(!vq.broken);
	ktap_result(ok, "packed_wrap_counters_and_unpop");
}

static void test_packed_events(void)
{
	bool ok;
	u16 i;

	fresh_packed(true);
	for (i = 0; i < 6; i++)
		pdesc(i, 0x8000, 16, i, 0);
	for (i = 0; i < 6; i++)
		virtq_pop(&vq, &ch);
	/* DISABLE: never */
	w16(AVAIL + 2, VIRTQ_EVENT_F_DISABLE);
	virtq_push_n(&vq, 0, 1, 0);
	ok = KTAP_EXPECT(!virtq_should_signal(&vq));
	/* DESC at slot 3, wrap 1: not for used 1->2, yes for 2->4 */
	w16(AVAIL, 3 | 0x8000);
	w16(AVAIL + 2, VIRTQ_EVENT_F_DESC);
	virtq_push_n(&vq, 1, 1, 0);
	ok = ok && KTAP_EXPECT(!virtq_should_signal(&vq));
	virtq_push_n(&vq, 2, 1, 0);
	virtq_push_n(&vq, 3, 1, 0);
	ok = ok && KTAP_EXPECT(virtq_should_signal(&vq));
	/* ENABLE: always */
	w16(AVAIL + 2, VIRTQ_EVENT_F_ENABLE);
	virtq_push_n(&vq, 4, 1, 0);
	ok = ok && KTAP_EXPECT(virtq_should_signal(&vq));
	ktap_result(ok, "packed_event_suppression");
}

static void test_packed_broken(void)
{
	bool ok;
	u16 i;

	/* the head says NEXT but the next slot is not available */
	fresh_packed(false);
	pdesc(0, 0x8000, 16, 1, VIRTQ_DESC_F_NEXT);
	ok = KTAP_EXPECT(virtq_pop(&vq, &ch) == -EIO);
	/* a chain around the whole ring */
	fresh_packed(false);
	for (i = 0; i < QS; i++)
		pdesc(i, 0x8000, 16, 1, VIRTQ_DESC_F_NEXT);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == -EIO);
	/* NEXT on an indirect descriptor; zero-slot push */
	fresh_packed(false);
	pdesc(1, 0x8000, 16, 1, 0);
	pdesc(0, IND, 16, 1, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT);
	ok = ok && KTAP_EXPECT(virtq_pop(&vq, &ch) == -EIO);
	fresh_packed(false);
	ok = ok && KTAP_EXPECT(virtq_push_n(&vq, 0, 0, 0) == -EIO) &&
	     KTAP_EXPECT(gm.faults == 0);
	ktap_result(ok, "packed_broken_rings");
}

int main(void)
{
	gm.ram = calloc(1, RAM);
	gm.size = RAM;
	ktap_begin("virtq", 9);
	test_enable_checks();
	test_chain_and_copy();
	test_wraparound();
	test_event_idx();
	test_broken();
	test_packed_chain();
	test_packed_wrap();
	test_packed_events();
	test_packed_broken();
	free(gm.ram);
	return ktap_end();
}
