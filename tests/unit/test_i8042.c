// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the i8042 PS/2 controller model (module/core/i8042.c). */
#include "ktap.h"
#include "i8042.h"

/* Recording IRQ lines, reset line and A20 gate. */
struct fake {
	bool irq1, irq12;
	unsigned int rises1, rises12, bad_irq;
	unsigned int resets;
	bool a20;
	unsigned int a20_changes;
};

static void fake_set_irq(void *opaque, unsigned int irq, bool level)
{
	struct fake *f = opaque;
	bool *line = irq == I8042_KBD_IRQ ? &f->irq1 : &f->irq12;

	if ((irq != I8042_KBD_IRQ && irq != I8042_AUX_IRQ) || *line == level)
		f->bad_irq++;	/* only changes of IRQ 1 / 12 are reported */
	*line = level;
	if (level && irq == I8042_KBD_IRQ)
		f->rises1++;
	if (level && irq == I8042_AUX_IRQ)
		f->rises12++;
}

static void fake_reset(void *opaque)
{
	((struct fake *)opaque)->resets++;
}

static void fake_a20(void *opaque, bool enabled)
{
	struct fake *f = opaque;

	f->a20 = enabled;
	f->a20_changes++;
}

static const struct i8042_ops fake_ops = {
	.set_irq = fake_set_irq,
	.reset_request = fake_reset,
	.a20_changed = fake_a20,
};

static void setup(struct i8042 *k, struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->a20 = true;			/* power-on state */
	i8042_init(k, &fake_ops, f);
}

#define ST()		i8042_read(k, I8042_CMD_PORT)
#define DATA()		i8042_read(k, I8042_DATA_PORT)
#define CMD(v)		i8042_write(k, I8042_CMD_PORT, (v))
#define WR(v)		i8042_write(k, I8042_DATA_PORT, (v))

/* Read one byte the way drivers do: OBF must be set first. */
static int expect_byte(struct i8042 *k, u8 want, u8 str_want)
{
	u8 st = ST(), got;

	if (!(st & KBC_STR_OBF)) {
		printf("# expected 0x%02x, output buffer empty\n", want);
		return 0;
	}
	if ((st & (KBC_STR_AUXB | KBC_STR_TIMEOUT)) != str_want) {
		printf("# status 0x%02x for 0x%02x\n", st, want);
		return 0;
	}
	got = DATA();
	if (got != want) {
		printf("# expected 0x%02x, read 0x%02x\n", want, got);
		return 0;
	}
	return 1;
}

#define KBD(want)	expect_byte(k, (want), 0)
#define AUX(want)	expect_byte(k, (want), KBC_STR_AUXB)
#define EMPTY()		(!(ST() & KBC_STR_OBF))

static u8 read_ctr(struct i8042 *k)
{
	CMD(KBC_CMD_READ_RAM);
	return DATA();
}

static void write_ctr(struct i8042 *k, u8 ctr)
{
	CMD(KBC_CMD_WRITE_RAM);
	WR(ctr);
}

static int test_power_on(void)
{
	struct i8042 kk, *k = &kk;
	struct fake f;
	int ok = 1;

	setup(k, &f);
	ok &= KTAP_EXPECT(ST() == KBC_STR_KEYLOCK);
	ok &= KTAP_EXPECT(read_ctr(k) == KBC_CTR_POWERON);
	ok &= KTAP_EXPECT(EMPTY());
	/* An empty buffer reads back the last byte. */
	ok &= KTAP_EXPECT(DATA() == KBC_CTR_POWERON);
	ok &= KTAP_EXPECT(i8042_read(k, 0x61) == 0xff);
	i8042_write(k, 0x65, 0xfe);
	ok &= KTAP_EXPECT(f.resets == 0 && f.bad_irq == 0);
	return ok;
}

/* The sequence SeaBIOS runs: self-test, interface test, command byte. */
static int test_seabios_selftest(void)
{
	struct i8042 kk, *k = &kk;
	struct fake f;
	int ok = 1;

	setup(k, &f);
	write_ctr(k, KBC_CTR_KBDDIS | KBC_CTR_AUXDIS);
	ok &= KTAP_EXPECT(!(ST() & KBC_STR_A2));	/* last write was data */
	CMD(KBC_CMD_SELF_TEST);
	ok &= KTAP_EXPECT(ST() == (KBC_STR_KEYLOCK | KBC_STR_A2 | KBC_STR_SYS |
				   KBC_STR_OBF));
	ok &= KTAP_EXPECT(DATA() == KBC_SELF_TEST_OK);
	ok &= KTAP_EXPECT(ST() == (KBC_STR_KEYLOCK | KBC_STR_A2 | KBC_STR_SYS));
	CMD(KBC_CMD_KBD_TEST);
	ok &= KTAP_EXPECT(KBD(KBC_IFACE_TEST_OK));
	ok &= KTAP_EXPECT(EMPTY());
	/* Self-test set the system flag in the command byte too. */
	ok &= KTAP_EXPECT(read_ctr(k) == (KBC_CTR_KBDDIS | KBC_CTR_AUXDIS |
					 KBC_CTR_SYS));
	ok &= KTAP_EXPECT(f.rises1 == 0);	/* KBDINT was off */
	write_ctr(k, KBC_CTR_KBDINT | KBC_CTR_SYS | KBC_CTR_XLATE);
	ok &= KTAP_EXPECT(ST() == (KBC_STR_KEYLOCK | KBC_STR_SYS));
	ok &= KTAP_EXPECT(read_ctr(k) == (KBC_CTR_KBDINT | KBC_CTR_SYS |
					 KBC_CTR_XLATE));
	/* Clearing SYS in the command byte clears the status flag. */
	write_ctr(k, KBC_CTR_XLATE);
	ok &= KTAP_EXPECT(!(ST() & KBC_STR_SYS));
	/* Other RAM bytes, password test, input port. */
	CMD(KBC_CMD_WRITE_RAM + 5);
	WR(0x77);
	CMD(KBC_CMD_READ_RAM + 5);
	ok &= KTAP_EXPECT(KBD(0x77));
	CMD(KBC_CMD_PASSWD_TEST);
	ok &= KTAP_EXPECT(KBD(KBC_NO_PASSWORD));
	CMD(KBC_CMD_READ_INPUT);
	ok &= KTAP_EXPECT(KBD(KBC_INPUT_PORT));
	ok &= KTAP_EXPECT(!(ST() & KBC_STR_IBF));
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	return ok;
}

static int test_kbd_reset_identify(void)
{
	struct i8042 kk, *k = &kk;
	struct fake f;
	int ok = 1;

	setup(k, &f);
	write_ctr(k, KBC_CTR_XLATE);
	WR(KBD_CMD_RESET);
	ok &= KTAP_EXPECT(ST() & KBC_STR_OBF);
	ok &= KTAP_EXPECT(DATA() == KBD_REPLY_ACK);
	ok &= KTAP_EXPECT(ST() & KBC_STR_OBF);		/* one byte at a time */
	ok &= KTAP_EXPECT(DATA() == KBD_REPLY_BAT_OK);
	ok &= KTAP_EXPECT(EMPTY());
	WR(KBD_CMD_GET_ID);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK));
	ok &= KTAP_EXPECT(KBD(KBD_ID_0));
	ok &= KTAP_EXPECT(KBD(KBD_ID_1));
	ok &= KTAP_EXPECT(EMPTY());
	WR(KBD_CMD_ECHO);
	ok &= KTAP_EXPECT(KBD(KBD_CMD_ECHO) && EMPTY());
	/* Unknown command: resend, and 0xfe repeats the last byte sent. */
	WR(0x01);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_RESEND));
	WR(KBD_CMD_GET_ID);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && KBD(KBD_ID_0) && KBD(KBD_ID_1));
	WR(KBD_CMD_RESEND);
	ok &= KTAP_EXPECT(KBD(KBD_ID_1) && EMPTY());
	/* A new command drops replies not read yet. */
	WR(KBD_CMD_GET_ID);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK));
	WR(KBD_CMD_ENABLE);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && EMPTY());
	/* The reply order survives a controller command in between. */
	WR(KBD_CMD_GET_ID);
	CMD(KBC_CMD_KBD_TEST);
	ok &= KTAP_EXPECT(KBD(KBC_IFACE_TEST_OK));
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && KBD(KBD_ID_0) && KBD(KBD_ID_1));
	ok &= KTAP_EXPECT(EMPTY());
	return ok;
}

static int test_kbd_arguments(void)
{
	struct i8042 kk, *k = &kk;
	struct fake f;
	int ok = 1;

	setup(k, &f);
	write_ctr(k, KBC_CTR_XLATE);
	WR(KBD_CMD_SET_LEDS);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && EMPTY());
	ok &= KTAP_EXPECT(k->kbd_pending == KBD_CMD_SET_LEDS);
	WR(0x07);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && EMPTY());
	ok &= KTAP_EXPECT(k->kbd_leds == 7 && k->kbd_pending == 0);
	/* The argument is not taken as a command (0x05 would be unknown). */
	WR(KBD_CMD_SET_LEDS);
	WR(0x05);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && KBD(KBD_REPLY_ACK));
	ok &= KTAP_EXPECT(k->kbd_leds == 5);

	ok &= KTAP_EXPECT(k->kbd_typematic == KBD_DEFAULT_TYPEMATIC);
	WR(KBD_CMD_TYPEMATIC);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK));
	WR(0x20);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && EMPTY());
	ok &= KTAP_EXPECT(k->kbd_typematic == 0x20);
	/* A command byte instead of an argument is a command. */
	WR(KBD_CMD_TYPEMATIC);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK));
	WR(KBD_CMD_ECHO);
	ok &= KTAP_EXPECT(KBD(KBD_CMD_ECHO) && EMPTY());
	ok &= KTAP_EXPECT(k->kbd_pending == 0 && k->kbd_typematic == 0x20);

	/* Scancode set: get, set, bad argument. */
	WR(KBD_CMD_SCANSET);
	WR(0);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && KBD(KBD_REPLY_ACK) && KBD(2));
	WR(KBD_CMD_SCANSET);
	WR(1);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && KBD(KBD_REPLY_ACK) && EMPTY());
	WR(KBD_CMD_SCANSET);
	WR(9);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && KBD(KBD_REPLY_RESEND));
	WR(0);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && KBD(1) && EMPTY());
	/* Disable restores defaults and stops scanning; reset restores all. */
	WR(KBD_CMD_DISABLE);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK));
	ok &= KTAP_EXPECT(!k->kbd_scanning && k->kbd_typematic == KBD_DEFAULT_TYPEMATIC);
	i8042_key(k, 0x1e);
	ok &= KTAP_EXPECT(EMPTY() && k->kbd_dropped == 1);
	WR(KBD_CMD_RESET);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && KBD(KBD_REPLY_BAT_OK));
	ok &= KTAP_EXPECT(k->kbd_scanning && k->kbd_set == 2 && k->kbd_leds == 0);
	return ok;
}

static int test_irq1(void)
{
	struct i8042 kk, *k = &kk;
	struct fake f;
	int ok = 1;

	setup(k, &f);
	/* Power-on command byte has KBDINT. */
	WR(KBD_CMD_ENABLE);
	ok &= KTAP_EXPECT(f.irq1 && f.rises1 == 1 && !f.irq12);
	ok &= KTAP_EXPECT(DATA() == KBD_REPLY_ACK);
	ok &= KTAP_EXPECT(!f.irq1);
	/* A multi-byte reply gives one edge per byte. */
	WR(KBD_CMD_GET_ID);
	ok &= KTAP_EXPECT(f.irq1 && f.rises1 == 2);
	DATA();
	ok &= KTAP_EXPECT(f.irq1 && f.rises1 == 3);
	DATA();
	ok &= KTAP_EXPECT(f.irq1 && f.rises1 == 4);
	DATA();
	ok &= KTAP_EXPECT(!f.irq1 && f.rises1 == 4);
	/* Controller replies raise IRQ 1 too, while KBDINT is set. */
	CMD(KBC_CMD_SELF_TEST);
	ok &= KTAP_EXPECT(f.irq1);
	DATA();
	/* KBDINT clear: data waits without an interrupt... */
	write_ctr(k, KBC_CTR_XLATE);
	ok &= KTAP_EXPECT(!f.irq1);
	i8042_key(k, 0x1e);
	ok &= KTAP_EXPECT(!f.irq1 && (ST() & KBC_STR_OBF));
	/* ...and raises it when KBDINT is set again. */
	CMD(KBC_CMD_WRITE_RAM);
	WR(KBC_CTR_XLATE | KBC_CTR_KBDINT);
	ok &= KTAP_EXPECT(f.irq1);
	/* Disabling the keyboard interface holds its bytes back. */
	CMD(KBC_CMD_KBD_DISABLE);
	ok &= KTAP_EXPECT(!f.irq1 && EMPTY());
	ok &= KTAP_EXPECT(read_ctr(k) & KBC_CTR_KBDDIS);	/* IRQ 1 for the reply */
	ok &= KTAP_EXPECT(!f.irq1 && EMPTY());
	CMD(KBC_CMD_KBD_ENABLE);
	ok &= KTAP_EXPECT(f.irq1 && KBD(0x1e) && !f.irq1);
	/* 0xd2 puts a byte in the output buffer as keyboard data. */
	CMD(KBC_CMD_WRITE_KBD_OBUF);
	WR(0x9c);
	ok &= KTAP_EXPECT(f.irq1 && !f.irq12 && KBD(0x9c) && !f.irq1);
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	return ok;
}

static int test_key_input(void)
{
	struct i8042 kk, *k = &kk;
	struct fake f;
	int ok = 1, i;

	setup(k, &f);
	i8042_key(k, 0x1e);
	i8042_key(k, 0x9e);
	/* A controller reply overtakes unread keys; none is lost. */
	ok &= KTAP_EXPECT(read_ctr(k) == KBC_CTR_POWERON);
	ok &= KTAP_EXPECT(KBD(0x1e) && KBD(0x9e) && EMPTY());
	/* The keyboard queue holds I8042_KBD_QUEUE bytes. */
	for (i = 0; i < I8042_KBD_QUEUE + 3; i++)
		i8042_key(k, (u8)i);
	ok &= KTAP_EXPECT(k->kbd_dropped == 3);
	for (i = 0; i < I8042_KBD_QUEUE; i++)
		ok &= KTAP_EXPECT(KBD((u8)i));
	ok &= KTAP_EXPECT(EMPTY() && !f.irq1);
	/* Sending to the keyboard enables its interface. */
	CMD(KBC_CMD_KBD_DISABLE);
	WR(KBD_CMD_ENABLE);
	ok &= KTAP_EXPECT(!(read_ctr(k) & KBC_CTR_KBDDIS));
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && EMPTY());
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	return ok;
}

static int test_aux(void)
{
	struct i8042 kk, *k = &kk;
	struct fake f;
	int ok = 1;

	setup(k, &f);
	CMD(KBC_CMD_AUX_DISABLE);
	ok &= KTAP_EXPECT(read_ctr(k) & KBC_CTR_AUXDIS);
	CMD(KBC_CMD_AUX_ENABLE);
	ok &= KTAP_EXPECT(!(read_ctr(k) & KBC_CTR_AUXDIS));
	CMD(KBC_CMD_AUX_TEST);
	ok &= KTAP_EXPECT(KBD(KBC_IFACE_TEST_OK));
	/* Loopback: aux data, IRQ 12 only with AUXINT. */
	f.rises1 = 0;
	CMD(KBC_CMD_WRITE_AUX_OBUF);
	WR(0x5a);
	ok &= KTAP_EXPECT(!f.irq12 && !f.irq1);
	ok &= KTAP_EXPECT(AUX(0x5a) && EMPTY());
	write_ctr(k, KBC_CTR_POWERON | KBC_CTR_AUXINT);
	CMD(KBC_CMD_WRITE_AUX_OBUF);
	WR(0xa5);
	ok &= KTAP_EXPECT(f.irq12 && !f.irq1 && f.rises12 == 1);
	ok &= KTAP_EXPECT(AUX(0xa5) && !f.irq12);
	/* No device: each byte sent is answered 0xfe with TIMEOUT. */
	CMD(KBC_CMD_WRITE_AUX);
	WR(0xff);
	ok &= KTAP_EXPECT(f.irq12);
	ok &= KTAP_EXPECT(expect_byte(k, KBC_AUX_NO_DEVICE,
				      KBC_STR_AUXB | KBC_STR_TIMEOUT));
	ok &= KTAP_EXPECT(EMPTY() && !(ST() & KBC_STR_TIMEOUT) && !f.irq12);
	/* The byte did not go to the keyboard. */
	ok &= KTAP_EXPECT(k->kbd_count == 0 && f.bad_irq == 0);
	return ok;
}

static int test_reset_and_a20(void)
{
	struct i8042 kk, *k = &kk;
	struct fake f;
	int ok = 1;

	setup(k, &f);
	write_ctr(k, KBC_CTR_XLATE);
	CMD(KBC_CMD_RESET);
	ok &= KTAP_EXPECT(f.resets == 1);
	CMD(KBC_CMD_PULSE);			/* pulses all four lines */
	ok &= KTAP_EXPECT(f.resets == 2);
	CMD(0xff);				/* pulses none */
	CMD(0xfd);				/* line 1 only */
	ok &= KTAP_EXPECT(f.resets == 2 && f.a20_changes == 0);

	CMD(KBC_CMD_READ_OUTPUT);
	ok &= KTAP_EXPECT(KBD(KBC_OUT_RESET | KBC_OUT_A20));
	/* A20 through the output port. */
	CMD(KBC_CMD_WRITE_OUTPUT);
	WR(KBC_OUT_RESET);
	ok &= KTAP_EXPECT(!f.a20 && f.a20_changes == 1 && f.resets == 2);
	CMD(KBC_CMD_READ_OUTPUT);
	ok &= KTAP_EXPECT(KBD(KBC_OUT_RESET));
	CMD(KBC_CMD_WRITE_OUTPUT);
	WR(KBC_OUT_RESET);			/* no change, no call */
	ok &= KTAP_EXPECT(f.a20_changes == 1);
	CMD(KBC_CMD_WRITE_OUTPUT);
	WR(KBC_OUT_RESET | KBC_OUT_A20 | 0xc0);
	ok &= KTAP_EXPECT(f.a20 && f.a20_changes == 2 && f.resets == 2);
	CMD(KBC_CMD_READ_OUTPUT);
	ok &= KTAP_EXPECT(KBD(KBC_OUT_RESET | KBC_OUT_A20 | 0xc0));
	CMD(KBC_CMD_A20_OFF);
	ok &= KTAP_EXPECT(!f.a20 && f.a20_changes == 3);
	CMD(KBC_CMD_A20_ON);
	ok &= KTAP_EXPECT(f.a20 && f.a20_changes == 4);
	/* Output port bit 0 written low: reset; it reads back high. */
	CMD(KBC_CMD_WRITE_OUTPUT);
	WR(KBC_OUT_A20);
	ok &= KTAP_EXPECT(f.resets == 3 && f.a20_changes == 4);
	CMD(KBC_CMD_READ_OUTPUT);
	ok &= KTAP_EXPECT(KBD(KBC_OUT_RESET | KBC_OUT_A20));
	/* The output port shows a full buffer on bit 4. */
	i8042_key(k, 0x1e);
	CMD(KBC_CMD_READ_OUTPUT);
	ok &= KTAP_EXPECT(KBD(KBC_OUT_RESET | KBC_OUT_A20 | KBC_OUT_KBD_OBF));
	ok &= KTAP_EXPECT(KBD(0x1e));
	return ok;
}

static int test_reset_state(void)
{
	struct i8042 kk, *k = &kk;
	struct fake f;
	int ok = 1;

	setup(k, &f);
	WR(KBD_CMD_GET_ID);
	ok &= KTAP_EXPECT(f.irq1);
	CMD(KBC_CMD_SELF_TEST);
	i8042_reset(k);
	ok &= KTAP_EXPECT(!f.irq1 && EMPTY() && ST() == KBC_STR_KEYLOCK);
	ok &= KTAP_EXPECT(read_ctr(k) == KBC_CTR_POWERON);
	ok &= KTAP_EXPECT(f.a20_changes == 0 && f.resets == 0 && f.bad_irq == 0);

	/* No ops at all. */
	i8042_init(k, NULL, NULL);
	CMD(KBC_CMD_RESET);
	WR(KBD_CMD_RESET);
	CMD(KBC_CMD_WRITE_OUTPUT);
	WR(0);
	ok &= KTAP_EXPECT(KBD(KBD_REPLY_ACK) && KBD(KBD_REPLY_BAT_OK));
	return ok;
}

int main(void)
{
	ktap_begin("i8042", 9);
	ktap_result(test_power_on(), "power_on_state");
	ktap_result(test_seabios_selftest(), "seabios_selftest_and_command_byte");
	ktap_result(test_kbd_reset_identify(), "kbd_reset_identify_one_byte_at_a_time");
	ktap_result(test_kbd_arguments(), "kbd_leds_typematic_scanset_arguments");
	ktap_result(test_irq1(), "irq1_per_command_byte");
	ktap_result(test_key_input(), "key_input_queue");
	ktap_result(test_aux(), "aux_port_present_no_device");
	ktap_result(test_reset_and_a20(), "reset_requests_and_a20");
	ktap_result(test_reset_state(), "system_reset_and_null_ops");
	return ktap_end();
}
