// SPDX-License-Identifier: GPL-2.0
/*
 * i8042 PS/2 controller and keyboard model: see i8042.h for the design.
 */
#include "i8042.h"

static const struct i8042_ops kbc_null_ops;

static u8 kbc_ctr(const struct i8042 *k)
{
	return k->ram[0];
}

/* The byte in the output buffer, if any: controller bytes first. */
static const struct i8042_byte *kbc_head(const struct i8042 *k,
					 struct i8042_byte *tmp)
{
	if (k->ctl_count)
		return &k->ctl_q[k->ctl_head];
	if (k->kbd_count && !(kbc_ctr(k) & KBC_CTR_KBDDIS)) {
		tmp->data = k->kbd_q[k->kbd_head];
		tmp->str = 0;
		return tmp;
	}
	return NULL;
}

static void kbc_set_irq(struct i8042 *k, unsigned int irq, bool *cur, bool level)
{
	if (*cur == level)
		return;
	*cur = level;
	if (k->ops->set_irq)
		k->ops->set_irq(k->opaque, irq, level);
}

/*
 * Bring IRQ 1 and 12 up to date with the output buffer. With pulse, a
 * line that is high is dropped first, so a new byte makes a new edge.
 */
static void kbc_update_irq(struct i8042 *k, bool pulse)
{
	struct i8042_byte tmp;
	const struct i8042_byte *b = kbc_head(k, &tmp);
	u8 ctr = kbc_ctr(k);
	bool aux = b && (b->str & KBC_STR_AUXB);

	if (pulse) {
		kbc_set_irq(k, I8042_KBD_IRQ, &k->irq1, false);
		kbc_set_irq(k, I8042_AUX_IRQ, &k->irq12, false);
	}
	kbc_set_irq(k, I8042_KBD_IRQ, &k->irq1,
		    b && !aux && (ctr & KBC_CTR_KBDINT));
	kbc_set_irq(k, I8042_AUX_IRQ, &k->irq12,
		    aux && (ctr & KBC_CTR_AUXINT));
}

/* Queue a byte the controller itself returns (str: AUXB, TIMEOUT). */
static void kbc_push(struct i8042 *k, u8 data, u8 str)
{
	struct i8042_byte *b;

	if (k->ctl_count >= I8042_CTL_QUEUE)
		return;
	b = &k->ctl_q[(k->ctl_head + k->ctl_count) % I8042_CTL_QUEUE];
	b->data = data;
	b->str = str;
	k->ctl_count++;
}

/* A byte from the keyboard to the controller. */
static bool kbd_push(struct i8042 *k, u8 data)
{
	if (k->kbd_count >= I8042_KBD_QUEUE)
		return false;
	k->kbd_q[(k->kbd_head + k->kbd_count) % I8042_KBD_QUEUE] = data;
	k->kbd_count++;
	return true;
}

/* A keyboard reply: remembered for KBD_CMD_RESEND. */
static void kbd_send(struct i8042 *k, u8 data)
{
	k->kbd_last = data;
	kbd_push(k, data);
}

static void kbd_defaults(struct i8042 *k)
{
	k->kbd_typematic = KBD_DEFAULT_TYPEMATIC;
}

static void kbd_power_on(struct i8042 *k)
{
	k->kbd_head = 0;
	k->kbd_count = 0;
	k->kbd_pending = 0;
	k->kbd_leds = 0;
	k->kbd_set = KBD_DEFAULT_SET;
	k->kbd_scanning = true;
	kbd_defaults(k);
}

/* The argument byte of SET_LEDS, TYPEMATIC or SCANSET. */
static void kbd_argument(struct i8042 *k, u8 cmd, u8 val)
{
	switch (cmd) {
	case KBD_CMD_SET_LEDS:
		k->kbd_leds = val & 0x07;
		break;
	case KBD_CMD_TYPEMATIC:
		k->kbd_typematic = val & 0x7f;
		break;
	case KBD_CMD_SCANSET:
		if (val > 3) {
			/* Ask for the argument again. */
			k->kbd_pending = cmd;
			kbd_send(k, KBD_REPLY_RESEND);
			return;
		}
		kbd_send(k, KBD_REPLY_ACK);
		if (val)
			k->kbd_set = val;
		else
			kbd_send(k, k->kbd_set);
		return;
	}
	kbd_send(k, KBD_REPLY_ACK);
}

/* A byte the guest sends to the keyboard. */
static void kbd_write(struct i8042 *k, u8 val)
{
	u8 cmd = k->kbd_pending;

	k->kbd_pending = 0;
	/* Every argument is below 0x80; anything else is a new command. */
	if (cmd && !(val & 0x80)) {
		kbd_argument(k, cmd, val);
		return;
	}
	if (val == KBD_CMD_RESEND) {
		kbd_push(k, k->kbd_last);
		return;
	}
	/* A command makes the keyboard drop what it had not sent yet. */
	k->kbd_head = 0;
	k->kbd_count = 0;

	switch (val) {
	case KBD_CMD_SET_LEDS:
	case KBD_CMD_TYPEMATIC:
	case KBD_CMD_SCANSET:
		k->kbd_pending = val;
		kbd_send(k, KBD_REPLY_ACK);
		break;
	case KBD_CMD_ECHO:
		kbd_send(k, KBD_CMD_ECHO);
		break;
	case KBD_CMD_GET_ID:
		kbd_send(k, KBD_REPLY_ACK);
		kbd_send(k, KBD_ID_0);
		kbd_send(k, KBD_ID_1);
		break;
	case KBD_CMD_ENABLE:
		k->kbd_scanning = true;
		kbd_send(k, KBD_REPLY_ACK);
		break;
	case KBD_CMD_DISABLE:
		kbd_defaults(k);
		k->kbd_scanning = false;
		kbd_send(k, KBD_REPLY_ACK);
		break;
	case KBD_CMD_DEFAULTS:
		kbd_defaults(k);
		kbd_send(k, KBD_REPLY_ACK);
		break;
	case KBD_CMD_RESET:
		kbd_power_on(k);
		kbd_send(k, KBD_REPLY_ACK);
		kbd_send(k, KBD_REPLY_BAT_OK);
		break;
	case 0xf7 ... 0xfd:
		/* Scan set 3 key-type commands: accepted, no effect. */
		kbd_send(k, KBD_REPLY_ACK);
		break;
	default:
		kbd_send(k, KBD_REPLY_RESEND);
		break;
	}
}

static void kbc_write_out_port(struct i8042 *k, u8 val)
{
	u8 old = k->out_port;

	/* The reset line is pulsed, not held: it reads back high. */
	k->out_port = (val & KBC_OUT_STORED) | KBC_OUT_RESET;
	if (((old ^ val) & KBC_OUT_A20) && k->ops->a20_changed)
		k->ops->a20_changed(k->opaque, val & KBC_OUT_A20);
	if (!(val & KBC_OUT_RESET) && k->ops->reset_request)
		k->ops->reset_request(k->opaque);
}

static u8 kbc_read_out_port(const struct i8042 *k)
{
	struct i8042_byte tmp;
	const struct i8042_byte *b = kbc_head(k, &tmp);
	u8 val = k->out_port;

	if (b)
		val |= (b->str & KBC_STR_AUXB) ? KBC_OUT_AUX_OBF : KBC_OUT_KBD_OBF;
	return val;
}

static void kbc_command(struct i8042 *k, u8 cmd)
{
	k->pending = 0;
	switch (cmd) {
	case KBC_CMD_READ_RAM ... KBC_CMD_READ_RAM + I8042_RAM_SIZE - 1:
		kbc_push(k, k->ram[cmd - KBC_CMD_READ_RAM], 0);
		break;
	case KBC_CMD_WRITE_RAM ... KBC_CMD_WRITE_RAM + I8042_RAM_SIZE - 1:
	case KBC_CMD_WRITE_OUTPUT:
	case KBC_CMD_WRITE_KBD_OBUF:
	case KBC_CMD_WRITE_AUX_OBUF:
	case KBC_CMD_WRITE_AUX:
		k->pending = cmd;
		break;
	case KBC_CMD_PASSWD_TEST:
		kbc_push(k, KBC_NO_PASSWORD, 0);
		break;
	case KBC_CMD_AUX_DISABLE:
		k->ram[0] |= KBC_CTR_AUXDIS;
		break;
	case KBC_CMD_AUX_ENABLE:
		k->ram[0] &= ~KBC_CTR_AUXDIS;
		break;
	case KBC_CMD_AUX_TEST:
	case KBC_CMD_KBD_TEST:
		kbc_push(k, KBC_IFACE_TEST_OK, 0);
		break;
	case KBC_CMD_SELF_TEST:
		k->ram[0] |= KBC_CTR_SYS;
		kbc_push(k, KBC_SELF_TEST_OK, 0);
		break;
	case KBC_CMD_KBD_DISABLE:
		k->ram[0] |= KBC_CTR_KBDDIS;
		break;
	case KBC_CMD_KBD_ENABLE:
		k->ram[0] &= ~KBC_CTR_KBDDIS;
		break;
	case KBC_CMD_READ_INPUT:
		kbc_push(k, KBC_INPUT_PORT, 0);
		break;
	case KBC_CMD_READ_OUTPUT:
		kbc_push(k, kbc_read_out_port(k), 0);
		break;
	case KBC_CMD_A20_OFF:
		kbc_write_out_port(k, k->out_port & ~KBC_OUT_A20);
		break;
	case KBC_CMD_A20_ON:
		kbc_write_out_port(k, k->out_port | KBC_OUT_A20);
		break;
	case KBC_CMD_READ_TEST:
		kbc_push(k, 0, 0);
		break;
	case KBC_CMD_PULSE ... 0xff:
		/* Low nibble: output lines 3-0, a 0 bit pulses that line low. */
		if (!(cmd & KBC_OUT_RESET) && k->ops->reset_request)
			k->ops->reset_request(k->opaque);
		break;
	default:
		break;
	}
}

/* A byte written to the data port completes a command or goes to the keyboard. */
static void kbc_data(struct i8042 *k, u8 val)
{
	u8 cmd = k->pending;

	k->pending = 0;
	switch (cmd) {
	case KBC_CMD_WRITE_RAM ... KBC_CMD_WRITE_RAM + I8042_RAM_SIZE - 1:
		k->ram[cmd - KBC_CMD_WRITE_RAM] = val;
		break;
	case KBC_CMD_WRITE_OUTPUT:
		kbc_write_out_port(k, val);
		break;
	case KBC_CMD_WRITE_KBD_OBUF:
		kbc_push(k, val, 0);
		break;
	case KBC_CMD_WRITE_AUX_OBUF:
		kbc_push(k, val, KBC_STR_AUXB);
		break;
	case KBC_CMD_WRITE_AUX:
		/* Nothing on the aux port: the transfer times out. */
		kbc_push(k, KBC_AUX_NO_DEVICE, KBC_STR_AUXB | KBC_STR_TIMEOUT);
		break;
	default:
		/* Sending to the keyboard enables its interface. */
		k->ram[0] &= ~KBC_CTR_KBDDIS;
		kbd_write(k, val);
		break;
	}
}

static u8 kbc_status(const struct i8042 *k)
{
	struct i8042_byte tmp;
	const struct i8042_byte *b = kbc_head(k, &tmp);
	u8 val = KBC_STR_KEYLOCK | (kbc_ctr(k) & KBC_CTR_SYS);

	if (k->last_was_cmd)
		val |= KBC_STR_A2;
	if (b)
		val |= KBC_STR_OBF | b->str;
	return val;
}

/* Data port read: take the byte in the output buffer. */
static u8 kbc_read_data(struct i8042 *k)
{
	if (k->ctl_count) {
		k->last_read = k->ctl_q[k->ctl_head].data;
		k->ctl_head = (k->ctl_head + 1) % I8042_CTL_QUEUE;
		k->ctl_count--;
	} else if (k->kbd_count && !(kbc_ctr(k) & KBC_CTR_KBDDIS)) {
		k->last_read = k->kbd_q[k->kbd_head];
		k->kbd_head = (k->kbd_head + 1) % I8042_KBD_QUEUE;
		k->kbd_count--;
	}
	return k->last_read;
}

static void kbc_power_on(struct i8042 *k)
{
	memset(k->ram, 0, sizeof(k->ram));
	k->ram[0] = KBC_CTR_POWERON;
	k->out_port = KBC_OUT_RESET | KBC_OUT_A20;
	k->pending = 0;
	k->last_was_cmd = false;
	k->last_read = 0;
	k->ctl_head = 0;
	k->ctl_count = 0;
	k->kbd_last = 0;
	kbd_power_on(k);
}

void i8042_init(struct i8042 *k, const struct i8042_ops *ops, void *opaque)
{
	memset(k, 0, sizeof(*k));
	vmm_lock_init(&k->lock);
	k->ops = ops ? ops : &kbc_null_ops;
	k->opaque = opaque;
	kbc_power_on(k);
}

void i8042_reset(struct i8042 *k)
{
	unsigned long flags = 0;

	vmm_lock(&k->lock, flags);
	kbc_power_on(k);
	kbc_update_irq(k, false);	/* the output buffer is empty: lines low */
	vmm_unlock(&k->lock, flags);
}

u8 i8042_read(struct i8042 *k, u16 port)
{
	unsigned long flags = 0;
	u8 val;

	vmm_lock(&k->lock, flags);
	switch (port) {
	case I8042_DATA_PORT:
		val = kbc_read_data(k);
		kbc_update_irq(k, true);
		break;
	case I8042_CMD_PORT:
		val = kbc_status(k);
		break;
	default:
		val = 0xff;
		break;
	}
	vmm_unlock(&k->lock, flags);
	return val;
}

void i8042_write(struct i8042 *k, u16 port, u8 val)
{
	unsigned long flags = 0;

	vmm_lock(&k->lock, flags);
	switch (port) {
	case I8042_DATA_PORT:
		k->last_was_cmd = false;
		kbc_data(k, val);
		break;
	case I8042_CMD_PORT:
		k->last_was_cmd = true;
		kbc_command(k, val);
		break;
	default:
		break;
	}
	kbc_update_irq(k, false);
	vmm_unlock(&k->lock, flags);
}

void i8042_key(struct i8042 *k, u8 scancode)
{
	unsigned long flags = 0;

	vmm_lock(&k->lock, flags);
	if (!k->kbd_scanning || !kbd_push(k, scancode))
		k->kbd_dropped++;
	kbc_update_irq(k, false);
	vmm_unlock(&k->lock, flags);
}
