/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared bits of the core fuzz harnesses. Each harness has a
 * fuzz_<name>_one(data, size) entry point that checks invariants with
 * FUZZ_CHECK; built for libFuzzer (-DFUZZ_LIBFUZZER) a failed check aborts,
 * in the standalone driver it is counted and the first few are printed.
 */
#ifndef VMM_FUZZ_H
#define VMM_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include "host.h"

extern unsigned long fuzz_failures;

void fuzz_report(const char *file, int line, const char *cond,
		 const u8 *data, size_t size);

#define FUZZ_CHECK(cond, data, size)					\
	do {								\
		if (!(cond))						\
			fuzz_report(__FILE__, __LINE__, #cond, data, size); \
	} while (0)

int fuzz_x86_decode_one(const u8 *data, size_t size);
int fuzz_gpt_walk_one(const u8 *data, size_t size);
int fuzz_x86_emul_one(const u8 *data, size_t size);
int fuzz_ahci_one(const u8 *data, size_t size);

/* AHCI harness: input = 1 config byte + records of FUZZ_AHCI_REC bytes. */
#define FUZZ_AHCI_REC		64
/* Actions executed; commands built, ATA errors, requests, completions. */
extern unsigned long fuzz_ahci_ops;
extern unsigned long fuzz_ahci_stats[7];

int fuzz_vdi_one(const u8 *data, size_t size);

/* virtio-blk harness: input = 1 config byte + records of FUZZ_VBLK_REC bytes. */
int fuzz_virtio_blk_one(const u8 *data, size_t size);
#define FUZZ_VBLK_REC		48
/* Actions executed; chains posted, requests submitted, completions, bring-ups. */
extern unsigned long fuzz_vblk_ops;
extern unsigned long fuzz_vblk_stats[4];

/* virtio-balloon harness: input = 1 config byte + records of FUZZ_VBAL_REC bytes. */
int fuzz_virtio_balloon_one(const u8 *data, size_t size);
#define FUZZ_VBAL_REC		24
/* Actions executed; chains posted, pages discarded, work calls, resets. */
extern unsigned long fuzz_vbal_ops;
extern unsigned long fuzz_vbal_stats[4];

/* VDI inputs (fuzz_vdi.c): header buffer, slack, seed, then the map. */
#define FUZZ_VDI_MAP_AT		520
#define FUZZ_VDI_MAX_BLOCKS	64
/* vdi outcomes: header ok, header error, map ok, map error */
extern unsigned long fuzz_vdi_stats[4];

/* Seed encodings the standalone driver mutates (fuzz_x86_decode.c). */
struct fuzz_seed {
	u8 mode;
	u8 len;
	const char *bytes;
};
extern const struct fuzz_seed fuzz_x86_seeds[];
extern const unsigned int fuzz_x86_nr_seeds;
/* Seed encodings of emulated instructions (fuzz_x86_emul.c). */
extern const struct fuzz_seed fuzz_emul_seeds[];
extern const unsigned int fuzz_emul_nr_seeds;

/* x86_emulate outcomes: OK, EXCEPTION, USER, UNHANDLED, not decodable */
extern unsigned long fuzz_emul_stats[5];

/* Layout of a gpt_walk input (see fuzz_gpt_walk.c). */
#define FUZZ_GPT_HDR		20
#define FUZZ_GPT_MEM		(16 * 1024)

/* gpt_walk outcomes: ok, protection fault, not present, rsvd, -EIO, -EINVAL */
extern unsigned long fuzz_gpt_stats[6];

/*
 * Device platform harness (fuzz_devices.c): 1 config byte, then records of
 * FUZZ_DEV_REC bytes, one action each (opcode, argument byte, operands).
 */
int fuzz_devices_one(const u8 *data, size_t size);
#define FUZZ_DEV_REC		16
/* Actions executed (all inputs). */
extern unsigned long fuzz_dev_actions;
/* LAPIC vectors taken, PIC vectors taken, timer fires, DMA kicks, kicks, DMA errors */
extern unsigned long fuzz_dev_stats[6];

#endif /* VMM_FUZZ_H */
