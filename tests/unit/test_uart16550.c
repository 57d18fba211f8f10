// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the 16550A UART model (module/core/uart16550.c). */
#include "ktap.h"
#include "uart16550.h"

struct fake_be {
	u8 tx[64];
	unsigned int ntx;
	unsigned int tx_room;		/* bytes the backend can still take */
	bool irq;
	unsigned int irq_changes;
	const u8 *pull_src;		/* for rx_pull */
	unsigned int pull_len;
};

static bool fake_tx_ready(void *opaque)
{
	struct fake_be *f = opaque;

	return f->tx_room > 0;
}

static void fake_tx(void *opaque, u8 byte)
{
	struct fake_be *f = opaque;

	if (f->ntx < sizeof(f->tx))
		f->tx[f->ntx++] = byte;
	f->tx_room--;
}

static void fake_set_irq(void *opaque, bool level)
{
	struct fake_be *f = opaque;

	f->irq = level;
	f->irq_changes++;
}

static unsigned int fake_rx_pull(void *opaque, u8 *buf, unsigned int max)
{
	struct fake_be *f = opaque;
	unsigned int n = f->pull_len < max ? f->pull_len : max;

	if (!n)
		return 0;
	memcpy(buf, f->pull_src, n);
	f->pull_src += n;
	f->pull_len -= n;
	return n;
}

static const struct uart16550_backend fake_ops = {
	.tx_ready = fake_tx_ready,
	.tx = fake_tx,
	.set_irq = fake_set_irq,
};

static const struct uart16550_backend fake_pull_ops = {
	.tx_ready = fake_tx_ready,
	.tx = fake_tx,
	.set_irq = fake_set_irq,
	.rx_pull = fake_rx_pull,
};

static void setup(struct uart16550 *u, struct fake_be *f)
{
	memset(f, 0, sizeof(*f));
	f->tx_room = 1000;
	uart16550_init(u, &fake_ops, f);
}

#define RD(off)		uart16550_read(&u, (off))
#define WR(off, v)	uart16550_write(&u, (off), (v))

static int test_reset_and_scratch(void)
{
	struct uart16550 u;
	struct fake_be f;
	int ok = 1;

	setup(&u, &f);
	ok &= KTAP_EXPECT(RD(U16550_IER) == 0);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == U16550_IIR_NO_INT);
	ok &= KTAP_EXPECT(RD(U16550_LCR) == 0 && RD(U16550_MCR) == 0);
	ok &= KTAP_EXPECT(RD(U16550_LSR) == (U16550_LSR_THRE | U16550_LSR_TEMT));
	ok &= KTAP_EXPECT(RD(U16550_MSR) == U16550_MSR_CONNECTED);
	WR(U16550_SCR, 0x5a);
	ok &= KTAP_EXPECT(RD(U16550_SCR) == 0x5a);
	WR(U16550_SCR, 0xa5);
	ok &= KTAP_EXPECT(RD(U16550_SCR) == 0xa5);
	ok &= KTAP_EXPECT(RD(8) == 0xff);		/* outside the block */
	WR(8, 1);
	WR(U16550_LSR, 0xff);				/* read-only */
	ok &= KTAP_EXPECT(RD(U16550_LSR) == (U16550_LSR_THRE | U16550_LSR_TEMT));
	ok &= KTAP_EXPECT(!f.irq && f.irq_changes == 0 && f.ntx == 0);
	return ok;
}

static int test_divisor_latch(void)
{
	struct uart16550 u;
	struct fake_be f;
	int ok = 1;

	setup(&u, &f);
	WR(U16550_IER, U16550_IER_ERBFI);
	WR(U16550_LCR, U16550_LCR_DLAB | 0x03);
	WR(U16550_DLL, 0x01);
	WR(U16550_DLM, 0x02);
	ok &= KTAP_EXPECT(RD(U16550_DLL) == 0x01 && RD(U16550_DLM) == 0x02);
	ok &= KTAP_EXPECT(f.ntx == 0);			/* not a THR write */
	WR(U16550_LCR, 0x03);
	ok &= KTAP_EXPECT(RD(U16550_IER) == U16550_IER_ERBFI);
	ok &= KTAP_EXPECT(RD(U16550_LCR) == 0x03);
	WR(U16550_THR, 'x');
	ok &= KTAP_EXPECT(f.ntx == 1 && f.tx[0] == 'x');
	WR(U16550_LCR, U16550_LCR_DLAB);
	ok &= KTAP_EXPECT(RD(U16550_DLL) == 0x01 && RD(U16550_DLM) == 0x02);
	/* IER bits above 3 do not exist. */
	WR(U16550_LCR, 0);
	WR(U16550_IER, 0xff);
	ok &= KTAP_EXPECT(RD(U16550_IER) == U16550_IER_MASK);
	return ok;
}

static int test_tx_backpressure(void)
{
	struct uart16550 u;
	struct fake_be f;
	int ok = 1;

	setup(&u, &f);
	f.tx_room = 2;
	WR(U16550_MCR, U16550_MCR_OUT2);
	WR(U16550_THR, 'a');
	ok &= KTAP_EXPECT(RD(U16550_LSR) & U16550_LSR_THRE);
	WR(U16550_THR, 'b');
	/* Backend full: THRE and TEMT read 0, a polling guest waits. */
	ok &= KTAP_EXPECT(!(RD(U16550_LSR) & (U16550_LSR_THRE | U16550_LSR_TEMT)));
	WR(U16550_THR, 'c');				/* dropped */
	ok &= KTAP_EXPECT(f.ntx == 2 && f.tx[0] == 'a' && f.tx[1] == 'b');
	ok &= KTAP_EXPECT(u.tx_dropped == 1);
	/* An interrupt-driven guest waits for THRI, which comes on tx_kick. */
	WR(U16550_IER, U16550_IER_ETBEI);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == U16550_IIR_NO_INT && !f.irq);
	uart16550_tx_kick(&u);				/* no room yet: nothing */
	ok &= KTAP_EXPECT(!f.irq);
	f.tx_room = 1;
	uart16550_tx_kick(&u);
	ok &= KTAP_EXPECT(f.irq);
	ok &= KTAP_EXPECT(RD(U16550_LSR) & U16550_LSR_THRE);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == U16550_IIR_THRI);
	ok &= KTAP_EXPECT(!f.irq);			/* IIR read acknowledged */
	uart16550_tx_kick(&u);				/* not blocked: no spurious irq */
	ok &= KTAP_EXPECT(!f.irq);
	WR(U16550_THR, 'd');				/* fills it again */
	ok &= KTAP_EXPECT(f.ntx == 3 && f.tx[2] == 'd' && !f.irq);
	f.tx_room = 10;
	uart16550_tx_kick(&u);
	ok &= KTAP_EXPECT(f.irq);
	WR(U16550_THR, 'e');				/* THR write acks, refires */
	ok &= KTAP_EXPECT(f.irq && RD(U16550_IIR) == U16550_IIR_THRI);
	return ok;
}

static int test_loopback(void)
{
	struct uart16550 u;
	struct fake_be f;
	int ok = 1;
	u8 in[1] = { 'z' };

	setup(&u, &f);
	f.tx_room = 0;			/* loopback ignores the backend */
	WR(U16550_FCR, U16550_FCR_ENABLE);
	WR(U16550_MCR, U16550_MCR_LOOP);
	ok &= KTAP_EXPECT(RD(U16550_LSR) & U16550_LSR_THRE);
	WR(U16550_THR, 'L');
	WR(U16550_THR, 'B');
	ok &= KTAP_EXPECT(f.ntx == 0);
	ok &= KTAP_EXPECT(RD(U16550_LSR) & U16550_LSR_DR);
	ok &= KTAP_EXPECT(uart16550_rx_space(&u) == 0);	/* line disconnected */
	ok &= KTAP_EXPECT(uart16550_rx_push(&u, in, 1) == 0);
	ok &= KTAP_EXPECT(RD(U16550_RBR) == 'L' && RD(U16550_RBR) == 'B');
	ok &= KTAP_EXPECT(!(RD(U16550_LSR) & U16550_LSR_DR));
	/* Modem lines follow MCR: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
	ok &= KTAP_EXPECT(RD(U16550_MSR) ==
			  (U16550_MSR_DCTS | U16550_MSR_DDSR | U16550_MSR_DDCD));
	WR(U16550_MCR, U16550_MCR_LOOP | U16550_MCR_RTS | U16550_MCR_OUT1);
	ok &= KTAP_EXPECT(RD(U16550_MSR) == (U16550_MSR_DCTS | U16550_MSR_CTS |
					     U16550_MSR_RI));
	WR(U16550_MCR, U16550_MCR_LOOP | U16550_MCR_DTR | U16550_MCR_OUT2);
	ok &= KTAP_EXPECT(RD(U16550_MSR) ==
			  (U16550_MSR_DCTS | U16550_MSR_DDSR | U16550_MSR_TERI |
			   U16550_MSR_DDCD | U16550_MSR_DSR | U16550_MSR_DCD));
	ok &= KTAP_EXPECT(RD(U16550_MSR) == (U16550_MSR_DSR | U16550_MSR_DCD));
	/* IRQ output is off in loopback even with OUT2 and an enabled source. */
	WR(U16550_IER, U16550_IER_ETBEI);
	ok &= KTAP_EXPECT((RD(U16550_IIR) & U16550_IIR_ID_MASK) == U16550_IIR_THRI);
	ok &= KTAP_EXPECT(!f.irq && f.irq_changes == 0);
	WR(U16550_IER, 0);
	WR(U16550_MCR, 0);
	ok &= KTAP_EXPECT(uart16550_rx_space(&u) == UART16550_FIFO_SIZE);
	return ok;
}

static int test_rx_fifo_overrun(void)
{
	struct uart16550 u;
	struct fake_be f;
	int ok = 1;
	unsigned int i;
	u8 buf[20];

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 'A' + i;
	setup(&u, &f);
	/* FIFOs off (16450 mode): a one-byte receiver. */
	ok &= KTAP_EXPECT(uart16550_rx_space(&u) == 1);
	ok &= KTAP_EXPECT(uart16550_rx_push(&u, buf, 5) == 1);
	ok &= KTAP_EXPECT(uart16550_rx_push(&u, buf, 5) == 0);
	ok &= KTAP_EXPECT(RD(U16550_RBR) == 'A');
	ok &= KTAP_EXPECT(RD(U16550_RBR) == 'A');	/* empty: last byte again */
	ok &= KTAP_EXPECT(!(RD(U16550_LSR) & U16550_LSR_DR));

	WR(U16550_FCR, U16550_FCR_ENABLE);
	ok &= KTAP_EXPECT(uart16550_rx_space(&u) == UART16550_FIFO_SIZE);
	ok &= KTAP_EXPECT(uart16550_rx_push(&u, buf, 20) == UART16550_FIFO_SIZE);
	ok &= KTAP_EXPECT(uart16550_rx_space(&u) == 0);
	ok &= KTAP_EXPECT(RD(U16550_RBR) == 'A');
	ok &= KTAP_EXPECT(uart16550_rx_space(&u) == 1);
	ok &= KTAP_EXPECT(uart16550_rx_push(&u, buf + 16, 4) == 1);	/* 'Q' */
	for (i = 1; i <= 16; i++)
		ok &= KTAP_EXPECT(RD(U16550_RBR) == 'A' + i);
	ok &= KTAP_EXPECT(RD(U16550_LSR) == (U16550_LSR_THRE | U16550_LSR_TEMT));

	/* Overrun: only reachable in loopback, where nothing throttles. */
	WR(U16550_MCR, U16550_MCR_LOOP);
	for (i = 0; i < 17; i++)
		WR(U16550_THR, 'a' + i);
	ok &= KTAP_EXPECT(RD(U16550_LSR) == (U16550_LSR_DR | U16550_LSR_OE |
					     U16550_LSR_THRE | U16550_LSR_TEMT));
	ok &= KTAP_EXPECT(!(RD(U16550_LSR) & U16550_LSR_OE));	/* read clears OE */
	ok &= KTAP_EXPECT(u.rx_overruns == 1);
	for (i = 0; i < 16; i++)
		ok &= KTAP_EXPECT(RD(U16550_RBR) == 'a' + i);	/* 17th lost */
	ok &= KTAP_EXPECT(!(RD(U16550_LSR) & U16550_LSR_DR));
	/* 16450 mode overrun overwrites RBR. */
	WR(U16550_FCR, 0);
	WR(U16550_THR, '1');
	WR(U16550_THR, '2');
	ok &= KTAP_EXPECT(RD(U16550_LSR) & U16550_LSR_OE);
	ok &= KTAP_EXPECT(RD(U16550_RBR) == '2');
	return ok;
}

static int test_rx_pull(void)
{
	struct uart16550 u;
	struct fake_be f;
	int ok = 1;
	unsigned int i;
	static const u8 src[40] = "0123456789abcdefghijklmnopqrstuvwxyz!@#$";

	memset(&f, 0, sizeof(f));
	f.tx_room = 1;
	uart16550_init(&u, &fake_pull_ops, &f);
	WR(U16550_FCR, U16550_FCR_ENABLE);
	f.pull_src = src;
	f.pull_len = sizeof(src);
	uart16550_rx_kick(&u);
	ok &= KTAP_EXPECT(f.pull_len == sizeof(src) - UART16550_FIFO_SIZE);
	/* Every RBR read refills the FIFO from the backend. */
	for (i = 0; i < sizeof(src); i++)
		ok &= KTAP_EXPECT(RD(U16550_RBR) == src[i]);
	ok &= KTAP_EXPECT(f.pull_len == 0 && !(RD(U16550_LSR) & U16550_LSR_DR));
	return ok;
}

static int test_iir_priorities(void)
{
	struct uart16550 u;
	struct fake_be f;
	int ok = 1;
	unsigned int i;
	u8 data[8] = "12345678";

	setup(&u, &f);
	WR(U16550_FCR, U16550_FCR_ENABLE | (2 << U16550_FCR_TRIGGER_SHIFT)); /* 8 */
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_NO_INT));
	/* Sources pending, but no OUT2: IIR reports, IRQ line stays low. */
	WR(U16550_IER, U16550_IER_MASK);
	ok &= KTAP_EXPECT((RD(U16550_IIR) & U16550_IIR_ID_MASK) == U16550_IIR_THRI);
	ok &= KTAP_EXPECT(!f.irq && f.irq_changes == 0);
	WR(U16550_IER, 0);
	WR(U16550_MCR, U16550_MCR_OUT2 | U16550_MCR_DTR | U16550_MCR_RTS);
	ok &= KTAP_EXPECT(!f.irq);

	/* Make every source pending: modem delta via loopback toggling. */
	WR(U16550_MCR, U16550_MCR_OUT2 | U16550_MCR_LOOP);
	WR(U16550_THR, 'x');		/* loopback: RX gets one byte */
	for (i = 0; i < 16; i++)	/* and overrun */
		WR(U16550_THR, 'y');
	WR(U16550_MCR, U16550_MCR_OUT2);
	ok &= KTAP_EXPECT(!f.irq);
	WR(U16550_IER, U16550_IER_MASK);	/* THRI pending on enable */
	ok &= KTAP_EXPECT(f.irq && f.irq_changes == 1);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_RLSI));
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_RLSI));
	RD(U16550_LSR);				/* clears OE */
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_RDI));
	for (i = 0; i < 9; i++)			/* 16 -> 7, below trigger 8 */
		RD(U16550_RBR);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_CTI));
	for (i = 0; i < 7; i++)
		RD(U16550_RBR);
	ok &= KTAP_EXPECT(f.irq);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_THRI));
	/* THRI acknowledged by the IIR read; modem status is next. */
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_MSI));
	ok &= KTAP_EXPECT(f.irq);
	ok &= KTAP_EXPECT(RD(U16550_MSR) & U16550_MSR_DELTAS);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_NO_INT));
	ok &= KTAP_EXPECT(!f.irq && f.irq_changes == 2);

	/* Host input raises RDI (at trigger) and the IRQ. */
	ok &= KTAP_EXPECT(uart16550_rx_push(&u, data, 8) == 8);
	ok &= KTAP_EXPECT(f.irq && f.irq_changes == 3);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_RDI));
	/* Masking the source drops the line; OUT2 gates it too. */
	/* ETBEI stays set (no 0->1 edge) and THRI was acknowledged. */
	WR(U16550_IER, U16550_IER_ETBEI);
	ok &= KTAP_EXPECT(!f.irq);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_NO_INT));
	WR(U16550_IER, U16550_IER_ERBFI);
	ok &= KTAP_EXPECT(f.irq);
	WR(U16550_MCR, 0);
	ok &= KTAP_EXPECT(!f.irq);
	WR(U16550_MCR, U16550_MCR_OUT2);
	ok &= KTAP_EXPECT(f.irq);
	for (i = 0; i < 8; i++)
		RD(U16550_RBR);
	ok &= KTAP_EXPECT(!f.irq);
	/* Re-enabling ETBEI re-asserts THRI when the transmitter is idle. */
	WR(U16550_IER, U16550_IER_ETBEI);
	ok &= KTAP_EXPECT(f.irq && RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_THRI));
	WR(U16550_IER, 0);
	WR(U16550_IER, U16550_IER_ETBEI);
	ok &= KTAP_EXPECT(f.irq && RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_THRI));
	ok &= KTAP_EXPECT(!f.irq);
	return ok;
}

static int test_fifo_reset(void)
{
	struct uart16550 u;
	struct fake_be f;
	int ok = 1;
	u8 data[10] = "abcdefghij";

	setup(&u, &f);
	WR(U16550_FCR, U16550_FCR_ENABLE);
	WR(U16550_MCR, U16550_MCR_OUT2);
	WR(U16550_IER, U16550_IER_ERBFI);
	ok &= KTAP_EXPECT(uart16550_rx_push(&u, data, 10) == 10);
	ok &= KTAP_EXPECT(f.irq);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_RDI));
	WR(U16550_FCR, U16550_FCR_ENABLE | U16550_FCR_CLEAR_RCVR | U16550_FCR_CLEAR_XMIT);
	ok &= KTAP_EXPECT(!f.irq);
	ok &= KTAP_EXPECT(!(RD(U16550_LSR) & U16550_LSR_DR));
	ok &= KTAP_EXPECT(uart16550_rx_space(&u) == UART16550_FIFO_SIZE);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == (U16550_IIR_FIFO_ENABLED | U16550_IIR_NO_INT));
	/* Disabling the FIFOs also empties them and clears IIR[7:6]. */
	ok &= KTAP_EXPECT(uart16550_rx_push(&u, data, 3) == 3);
	WR(U16550_FCR, 0);
	ok &= KTAP_EXPECT(RD(U16550_IIR) == U16550_IIR_NO_INT);
	ok &= KTAP_EXPECT(!(RD(U16550_LSR) & U16550_LSR_DR) && !f.irq);
	/* Clear bits without FCR[0] are ignored. */
	ok &= KTAP_EXPECT(uart16550_rx_push(&u, data, 3) == 1);
	WR(U16550_FCR, U16550_FCR_CLEAR_RCVR);
	ok &= KTAP_EXPECT(RD(U16550_LSR) & U16550_LSR_DR);
	/* Enabling the FIFOs resets them. */
	WR(U16550_FCR, U16550_FCR_ENABLE);
	ok &= KTAP_EXPECT(!(RD(U16550_LSR) & U16550_LSR_DR));
	return ok;
}

static int test_null_backend(void)
{
	struct uart16550 u;
	int ok = 1;

	uart16550_init(&u, NULL, NULL);
	WR(U16550_MCR, U16550_MCR_OUT2);
	WR(U16550_IER, U16550_IER_ETBEI);
	WR(U16550_THR, 'q');
	ok &= KTAP_EXPECT(RD(U16550_LSR) & U16550_LSR_THRE);
	uart16550_tx_kick(&u);
	uart16550_rx_kick(&u);
	return ok;
}

int main(void)
{
	ktap_begin("uart16550", 9);
	ktap_result(test_reset_and_scratch(), "reset_state_and_scratch");
	ktap_result(test_divisor_latch(), "divisor_latch_dlab");
	ktap_result(test_tx_backpressure(), "lsr_thre_backpressure");
	ktap_result(test_loopback(), "loopback");
	ktap_result(test_rx_fifo_overrun(), "rx_fifo_and_overrun");
	ktap_result(test_rx_pull(), "rx_pull_refill");
	ktap_result(test_iir_priorities(), "iir_priorities_and_irq_level");
	ktap_result(test_fifo_reset(), "fifo_reset");
	ktap_result(test_null_backend(), "null_backend");
	return ktap_end();
}
