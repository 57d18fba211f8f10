/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Chipset system control ports:
 *
 *  - 0x92, System Control Port A: bit 0 is the fast (alternate hot)
 *    reset, requested on its 0 -> 1 transition; bit 1 is the fast A20
 *    gate. Bits 0, 1, 3 (lock) and 6-7 (activity lights) read back as
 *    written. Power-on value 0x00: A20 is then gated by the i8042 output
 *    port alone (the host ORs the two gates, as PC chipsets do).
 *  - 0xcf9, PIIX/ICH Reset Control Register: any write with RST_CPU
 *    (bit 2) set requests a reset (Linux reboot=pci writes 0x02 then 0x06,
 *    or 0x0e for a full reset). SYS_RST (bit 1) and FULL_RST (bit 3) read
 *    back as written; RST_CPU reads 0. Only byte accesses at 0xcf9 are
 *    this register: a dword access at 0xcf8 is PCI CONFIG_ADDRESS, so the
 *    host dispatches 1-byte 0xcf9 accesses here and the rest to PCI.
 */
#ifndef VMM_CORE_SYSCTL_PORT_H
#define VMM_CORE_SYSCTL_PORT_H

#include "host.h"

#define SYSCTL_PORT_A		0x92
#define SYSCTL_PORT_RCR		0xcf9

/* Port 0x92 */
#define SYSCTL_A_FAST_RESET	0x01
#define SYSCTL_A_A20		0x02
#define SYSCTL_A_LOCK		0x08
#define SYSCTL_A_STORED		0xcb	/* bits 0, 1, 3, 6, 7 */

/* Port 0xcf9 */
#define SYSCTL_RCR_SYS_RST	0x02	/* hard reset when RST_CPU is set */
#define SYSCTL_RCR_RST_CPU	0x04	/* write 1: reset */
#define SYSCTL_RCR_FULL_RST	0x08
#define SYSCTL_RCR_STORED	(SYSCTL_RCR_SYS_RST | SYSCTL_RCR_FULL_RST)

struct sysctl_port_ops {
	/*
	 * Called with the sysctl lock held: must not call back into it.
	 * Either may be NULL.
	 */
	void (*reset_request)(void *opaque);
	void (*a20_changed)(void *opaque, bool enabled);	/* port 0x92 bit 1 */
};

struct sysctl_port {
	vmm_lock_t lock;
	u8 port_a;		/* SYSCTL_A_STORED bits */
	u8 rcr;			/* SYSCTL_RCR_STORED bits */
	const struct sysctl_port_ops *ops;
	void *opaque;
};

/* Power-on state (both registers 0); calls no ops. ops may be NULL. */
void sysctl_port_init(struct sysctl_port *s, const struct sysctl_port_ops *ops,
		      void *opaque);
/* System reset: both registers back to 0; calls no ops. */
void sysctl_port_reset(struct sysctl_port *s);
/* Guest byte access to SYSCTL_PORT_A / SYSCTL_PORT_RCR (others: 0xff, ignored). */
u8 sysctl_port_read(struct sysctl_port *s, u16 port);	/* takes the lock */
void sysctl_port_write(struct sysctl_port *s, u16 port, u8 val);	/* takes the lock */

#endif /* VMM_CORE_SYSCTL_PORT_H */
