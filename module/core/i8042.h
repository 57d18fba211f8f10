/* SPDX-License-Identifier: GPL-2.0 */
/*
 * i8042 PS/2 controller (data port 0x60, status/command port 0x64) with
 * an MF2 keyboard on the first port and an empty second (aux) port.
 *
 * Bytes for the guest: the keyboard sends through a queue of its own
 * (kbd_q: command replies and host key input), which drains into the
 * controller's output buffer while the keyboard interface is enabled
 * (command byte KBDDIS clear). Bytes the controller makes itself
 * (command replies, 0xd2/0xd3 echoes, aux answers) go to a second small
 * queue (ctl_q) that has priority. The byte at the head of ctl_q, or else
 * of kbd_q, is "the output buffer": status OBF/AUXB/TIMEOUT describe it
 * and a data port read removes it, so multi-byte replies come one byte
 * per read. A keyboard byte not yet read stays queued when a controller
 * reply overtakes it, so no keystroke is lost.
 *
 * Interrupts: IRQ 1 is high while a keyboard or controller byte is in the
 * output buffer and the command byte has KBDINT; IRQ 12 while an aux byte
 * is there and AUXINT is set. A data read that exposes another byte drops
 * the line and raises it again, so an edge-triggered PIC sees every byte.
 *
 * Aux port: present, nothing plugged in. 0xa7/0xa8 toggle AUXDIS, 0xa9
 * passes (0x00), 0xd3 loops a byte back as aux data (IRQ 12), and every
 * byte sent to the device with 0xd4 is answered at once with 0xfe and the
 * status TIMEOUT bit, as a controller with an empty mouse socket does, so
 * mouse probes (SeaBIOS, Linux psmouse) fail fast instead of timing out.
 *
 * Key input: i8042_key() bytes are queued unchanged; the controller's
 * set 2 -> set 1 translation (command byte XLATE) is not modelled, so the
 * host passes scancodes in the set the guest reads (set 1 with XLATE on,
 * as SeaBIOS and Linux set it up).
 *
 * Output port: bit 0 low resets the system (ops->reset_request), bit 1 is
 * the A20 gate (ops->a20_changed on change; power-on state A20 on). 0xfe
 * (and any 0xf0-0xff with bit 0 clear) pulses the reset line.
 */
#ifndef VMM_CORE_I8042_H
#define VMM_CORE_I8042_H

#include "host.h"

#define I8042_DATA_PORT		0x60
#define I8042_CMD_PORT		0x64	/* read: status; write: command */
#define I8042_KBD_IRQ		1
#define I8042_AUX_IRQ		12

#define I8042_KBD_QUEUE		16	/* keyboard output queue (bytes) */
#define I8042_CTL_QUEUE		4	/* controller/aux output queue */
#define I8042_RAM_SIZE		32	/* 0x20-0x3f / 0x60-0x7f; byte 0 = CTR */

/* Status register (port 0x64 read) */
#define KBC_STR_OBF		0x01	/* output buffer full */
#define KBC_STR_IBF		0x02	/* input buffer full (always 0 here) */
#define KBC_STR_SYS		0x04	/* system flag = CTR bit 2 */
#define KBC_STR_A2		0x08	/* last write was a command (0x64) */
#define KBC_STR_KEYLOCK	0x10	/* INH: 1 = keyboard not inhibited */
#define KBC_STR_AUXB		0x20	/* output buffer holds aux data */
#define KBC_STR_TIMEOUT	0x40
#define KBC_STR_PARITY	0x80

/* Command byte (CTR, controller RAM byte 0) */
#define KBC_CTR_KBDINT	0x01
#define KBC_CTR_AUXINT	0x02
#define KBC_CTR_SYS		0x04
#define KBC_CTR_IGNKEYLOCK	0x08
#define KBC_CTR_KBDDIS	0x10
#define KBC_CTR_AUXDIS	0x20
#define KBC_CTR_XLATE		0x40
#define KBC_CTR_POWERON	(KBC_CTR_KBDINT | KBC_CTR_XLATE)

/* Controller commands (port 0x64 write) */
#define KBC_CMD_READ_RAM	0x20	/* 0x20-0x3f: read RAM byte n & 0x1f */
#define KBC_CMD_WRITE_RAM	0x60	/* 0x60-0x7f: write RAM byte, data next */
#define KBC_CMD_PASSWD_TEST	0xa4	/* -> 0xf1: no password */
#define KBC_CMD_AUX_DISABLE	0xa7
#define KBC_CMD_AUX_ENABLE	0xa8
#define KBC_CMD_AUX_TEST	0xa9	/* -> 0x00 */
#define KBC_CMD_SELF_TEST	0xaa	/* -> 0x55 */
#define KBC_CMD_KBD_TEST	0xab	/* -> 0x00 */
#define KBC_CMD_KBD_DISABLE	0xad
#define KBC_CMD_KBD_ENABLE	0xae
#define KBC_CMD_READ_INPUT	0xc0
#define KBC_CMD_READ_OUTPUT	0xd0
#define KBC_CMD_WRITE_OUTPUT	0xd1	/* data next */
#define KBC_CMD_WRITE_KBD_OBUF 0xd2	/* data next, comes back as kbd data */
#define KBC_CMD_WRITE_AUX_OBUF 0xd3	/* data next, comes back as aux data */
#define KBC_CMD_WRITE_AUX	0xd4	/* data next, goes to the aux device */
#define KBC_CMD_A20_OFF	0xdd
#define KBC_CMD_A20_ON	0xdf
#define KBC_CMD_READ_TEST	0xe0	/* test inputs -> 0x00 */
#define KBC_CMD_PULSE		0xf0	/* 0xf0-0xff: low nibble 0 = pulse line */
#define KBC_CMD_RESET		0xfe	/* pulse line 0: system reset */

#define KBC_SELF_TEST_OK	0x55
#define KBC_IFACE_TEST_OK	0x00
#define KBC_NO_PASSWORD	0xf1
#define KBC_INPUT_PORT	0xa0	/* kbd not inhibited, no mfg jumper */

/* Output port (0xd0/0xd1) */
#define KBC_OUT_RESET		0x01	/* active low */
#define KBC_OUT_A20		0x02
#define KBC_OUT_KBD_OBF	0x10	/* read-only here: IRQ 1 output */
#define KBC_OUT_AUX_OBF	0x20	/* read-only here: IRQ 12 output */
#define KBC_OUT_STORED	0xcf	/* bits kept as written */

/* Keyboard commands (port 0x60 write) and replies */
#define KBD_CMD_SET_LEDS	0xed	/* argument next */
#define KBD_CMD_ECHO		0xee
#define KBD_CMD_SCANSET		0xf0	/* argument next: 0 = get, 1-3 = set */
#define KBD_CMD_GET_ID		0xf2
#define KBD_CMD_TYPEMATIC	0xf3	/* argument next */
#define KBD_CMD_ENABLE		0xf4
#define KBD_CMD_DISABLE		0xf5	/* defaults, scanning off */
#define KBD_CMD_DEFAULTS	0xf6
#define KBD_CMD_RESEND		0xfe
#define KBD_CMD_RESET		0xff
#define KBD_REPLY_BAT_OK	0xaa
#define KBD_REPLY_ACK		0xfa
#define KBD_REPLY_RESEND	0xfe
#define KBD_ID_0		0xab
#define KBD_ID_1		0x83
#define KBD_DEFAULT_SET		2
#define KBD_DEFAULT_TYPEMATIC	0x2b	/* 10.9 cps, 500 ms */
#define KBC_AUX_NO_DEVICE	0xfe	/* answer to 0xd4 bytes, with TIMEOUT */

struct i8042_ops {
	/*
	 * All called with the controller lock held: must not call back into
	 * the controller. Any may be NULL.
	 */
	void (*set_irq)(void *opaque, unsigned int irq, bool level);	/* 1 or 12 */
	void (*reset_request)(void *opaque);	/* output port bit 0 pulsed low */
	void (*a20_changed)(void *opaque, bool enabled);
};

/* One queued output byte. */
struct i8042_byte {
	u8 data;
	u8 str;		/* KBC_STR_AUXB / KBC_STR_TIMEOUT to show with it */
};

struct i8042 {
	vmm_lock_t lock;

	u8 ram[I8042_RAM_SIZE];	/* ram[0] is the command byte */
	u8 out_port;		/* KBC_OUT_STORED bits */
	u8 pending;		/* controller command waiting for data, or 0 */
	bool last_was_cmd;	/* status A2 */
	u8 last_read;		/* data port value when the buffer is empty */

	struct i8042_byte ctl_q[I8042_CTL_QUEUE];
	u8 ctl_head, ctl_count;

	/* The keyboard */
	u8 kbd_q[I8042_KBD_QUEUE];
	u8 kbd_head, kbd_count;
	u8 kbd_pending;		/* command waiting for its argument, or 0 */
	u8 kbd_last;		/* last byte sent, for KBD_CMD_RESEND */
	u8 kbd_leds;
	u8 kbd_typematic;
	u8 kbd_set;		/* scancode set 1-3 */
	bool kbd_scanning;

	bool irq1, irq12;	/* IRQ levels as last reported */
	u64 kbd_dropped;	/* key input lost: queue full or scanning off */

	const struct i8042_ops *ops;
	void *opaque;
};

/* Power-on state (CTR = KBC_CTR_POWERON, A20 on); calls no ops. ops may be NULL. */
void i8042_init(struct i8042 *k, const struct i8042_ops *ops, void *opaque);
/*
 * System reset: back to the power-on state (A20 on), keeping ops. Lowers
 * an asserted IRQ line through set_irq; calls no other op (the host
 * resets its own A20 state with the machine).
 */
void i8042_reset(struct i8042 *k);
/* Guest access to I8042_DATA_PORT / I8042_CMD_PORT (others: 0xff, ignored). */
u8 i8042_read(struct i8042 *k, u16 port);	/* takes the lock */
void i8042_write(struct i8042 *k, u16 port, u8 val);	/* takes the lock */
/* Host key input: one scancode byte from the keyboard (see above). */
void i8042_key(struct i8042 *k, u8 scancode);

#endif /* VMM_CORE_I8042_H */
