// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A UART model: see uart16550.h for the design.
 */
#include "uart16550.h"

static const struct uart16550_backend uart_null_backend;

/* RX FIFO trigger levels selected by FCR[7:6]. */
static const u8 uart_rx_trigger[4] = { 1, 4, 8, 14 };

static bool uart_loopback(const struct uart16550 *u)
{
	return u->mcr & U16550_MCR_LOOP;
}

static bool uart_fifo_enabled(const struct uart16550 *u)
{
	return u->fcr & U16550_FCR_ENABLE;
}

static unsigned int uart_rx_capacity(const struct uart16550 *u)
{
	return uart_fifo_enabled(u) ? UART16550_FIFO_SIZE : 1;
}

/* Can the transmitter take a byte now? Remembers a "no" for tx_kick. */
static bool uart_tx_ready(struct uart16550 *u)
{
	if (uart_loopback(u))
		return true;
	if (!u->be->tx_ready || u->be->tx_ready(u->opaque))
		return true;
	u->tx_blocked = true;
	return false;
}

/* The IIR interrupt id of the highest-priority pending source. */
static u8 uart_iir_id(const struct uart16550 *u)
{
	if ((u->ier & U16550_IER_ELSI) && (u->lsr & U16550_LSR_ERRORS))
		return U16550_IIR_RLSI;
	if ((u->ier & U16550_IER_ERBFI) && u->rx_count) {
		u8 trigger = uart_rx_trigger[(u->fcr & U16550_FCR_TRIGGER_MASK) >>
					     U16550_FCR_TRIGGER_SHIFT];

		/*
		 * Below the trigger level a real FIFO times out after four
		 * character times; there is no clock here, so time out at
		 * once.
		 */
		if (uart_fifo_enabled(u) && u->rx_count < trigger)
			return U16550_IIR_CTI;
		return U16550_IIR_RDI;
	}
	if ((u->ier & U16550_IER_ETBEI) && u->thr_ipending)
		return U16550_IIR_THRI;
	if ((u->ier & U16550_IER_EDSSI) && (u->msr & U16550_MSR_DELTAS))
		return U16550_IIR_MSI;
	return U16550_IIR_NO_INT;
}

static void uart_update_irq(struct uart16550 *u)
{
	bool level = uart_iir_id(u) != U16550_IIR_NO_INT &&
		(u->mcr & (U16550_MCR_OUT2 | U16550_MCR_LOOP)) == U16550_MCR_OUT2;

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->be->set_irq)
		u->be->set_irq(u->opaque, level);
}

static void uart_rx_reset(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* One byte arrives from the line (or from the transmitter in loopback). */
static void uart_rx_byte(struct uart16550 *u, u8 byte)
{
	if (u->rx_count >= uart_rx_capacity(u)) {
		u->lsr |= U16550_LSR_OE;
		u->rx_overruns++;
		/* A 16450-mode RBR is overwritten; a full FIFO keeps its data. */
		if (!uart_fifo_enabled(u))
			u->rx_fifo[u->rx_head] = byte;
		return;
	}
	u->rx_fifo[(u->rx_head + u->rx_count) % UART16550_FIFO_SIZE] = byte;
	u->rx_count++;
}

/* Refill the RX FIFO from the backend, if it supports pulling. */
static void uart_rx_fill(struct uart16550 *u)
{
	u8 tmp[UART16550_FIFO_SIZE];
	unsigned int space, n, i;

	if (!u->be->rx_pull || uart_loopback(u))
		return;
	space = uart_rx_capacity(u) - u->rx_count;
	if (!space)
		return;
	n = u->be->rx_pull(u->opaque, tmp, space);
	if (n > space)
		n = space;
	for (i = 0; i < n; i++)
		uart_rx_byte(u, tmp[i]);
}

/* Recompute the modem status lines and latch the deltas. */
static void uart_update_msr(struct uart16550 *u)
{
	u8 old = u->msr, lines, changed, deltas = 0;

	if (uart_loopback(u)) {
		lines = 0;
		if (u->mcr & U16550_MCR_RTS)
			lines |= U16550_MSR_CTS;
		if (u->mcr & U16550_MCR_DTR)
			lines |= U16550_MSR_DSR;
		if (u->mcr & U16550_MCR_OUT1)
			lines |= U16550_MSR_RI;
		if (u->mcr & U16550_MCR_OUT2)
			lines |= U16550_MSR_DCD;
	} else {
		lines = U16550_MSR_CONNECTED;
	}
	changed = old ^ lines;
	if (changed & U16550_MSR_CTS)
		deltas |= U16550_MSR_DCTS;
	if (changed & U16550_MSR_DSR)
		deltas |= U16550_MSR_DDSR;
	if ((old & U16550_MSR_RI) && !(lines & U16550_MSR_RI))
		deltas |= U16550_MSR_TERI;
	if (changed & U16550_MSR_DCD)
		deltas |= U16550_MSR_DDCD;
	u->msr = lines | (old & U16550_MSR_DELTAS) | deltas;
}

void uart16550_init(struct uart16550 *u, const struct uart16550_backend *be,
		    void *opaque)
{
	memset(u, 0, sizeof(*u));
	vmm_lock_init(&u->lock);
	u->be = be ? be : &uart_null_backend;
	u->opaque = opaque;
	u->dll = 12;			/* 9600 baud */
	u->msr = U16550_MSR_CONNECTED;
}

static u8 uart_read_locked(struct uart16550 *u, unsigned int offset)
{
	bool dlab = u->lcr & U16550_LCR_DLAB;
	u8 val, id;

	switch (offset) {
	case U16550_RBR:
		if (dlab)
			return u->dll;
		if (u->rx_count) {
			u->rbr = u->rx_fifo[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART16550_FIFO_SIZE;
			u->rx_count--;
			uart_rx_fill(u);
		}
		return u->rbr;
	case U16550_IER:
		return dlab ? u->dlm : u->ier;
	case U16550_IIR:
		id = uart_iir_id(u);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if (id == U16550_IIR_THRI)
			u->thr_ipending = false;
		return id | (uart_fifo_enabled(u) ? U16550_IIR_FIFO_ENABLED : 0);
	case U16550_LCR:
		return u->lcr;
	case U16550_MCR:
		return u->mcr;
	case U16550_LSR:
		val = u->lsr;
		if (u->rx_count)
			val |= U16550_LSR_DR;
		if (uart_tx_ready(u))
			val |= U16550_LSR_THRE | U16550_LSR_TEMT;
		u->lsr &= ~U16550_LSR_ERRORS;
		return val;
	case U16550_MSR:
		val = u->msr;
		u->msr &= ~U16550_MSR_DELTAS;
		return val;
	case U16550_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

u8 uart16550_read(struct uart16550 *u, unsigned int offset)
{
	unsigned long flags = 0;
	u8 val;

	vmm_lock(&u->lock, flags);
	val = uart_read_locked(u, offset);
	uart_update_irq(u);
	vmm_unlock(&u->lock, flags);
	return val;
}

static void uart_write_thr(struct uart16550 *u, u8 val)
{
	if (uart_loopback(u)) {
		uart_rx_byte(u, val);
		u->thr_ipending = true;
	} else if (uart_tx_ready(u)) {
		if (u->be->tx)
			u->be->tx(u->opaque, val);
		/* Sent at once: THR is empty again if the backend has room. */
		u->thr_ipending = uart_tx_ready(u);
	} else {
		u->tx_dropped++;
		u->thr_ipending = false;
	}
}

static void uart_write_fcr(struct uart16550 *u, u8 val)
{
	/* Other FCR bits are only programmed together with FCR[0]. */
	if (!(val & U16550_FCR_ENABLE)) {
		if (uart_fifo_enabled(u))
			uart_rx_reset(u);
		u->fcr = 0;
		return;
	}
	/* Enabling the FIFOs resets them. */
	if (!uart_fifo_enabled(u) || (val & U16550_FCR_CLEAR_RCVR))
		uart_rx_reset(u);
	/* The TX FIFO is always empty: nothing to do for CLEAR_XMIT. */
	u->fcr = val & (U16550_FCR_ENABLE | U16550_FCR_DMA_SELECT |
			U16550_FCR_TRIGGER_MASK);
}

static void uart_write_locked(struct uart16550 *u, unsigned int offset, u8 val)
{
	bool dlab = u->lcr & U16550_LCR_DLAB;
	u8 old;

	switch (offset) {
	case U16550_THR:
		if (dlab)
			u->dll = val;
		else
			uart_write_thr(u, val);
		break;
	case U16550_IER:
		if (dlab) {
			u->dlm = val;
			break;
		}
		old = u->ier;
		u->ier = val & U16550_IER_MASK;
		/* Enabling ETBEI with THR empty raises the interrupt. */
		if ((u->ier & U16550_IER_ETBEI) && !(old & U16550_IER_ETBEI))
			u->thr_ipending = uart_tx_ready(u);
		else if (!(u->ier & U16550_IER_ETBEI))
			u->thr_ipending = false;
		break;
	case U16550_FCR:
		uart_write_fcr(u, val);
		uart_rx_fill(u);
		break;
	case U16550_LCR:
		u->lcr = val;
		break;
	case U16550_MCR:
		old = u->mcr;
		u->mcr = val & U16550_MCR_MASK;
		uart_update_msr(u);
		if ((old & U16550_MCR_LOOP) && !uart_loopback(u))
			uart_rx_fill(u);
		break;
	case U16550_SCR:
		u->scr = val;
		break;
	default:
		/* LSR and MSR are read-only here (factory test writes). */
		break;
	}
}

void uart16550_write(struct uart16550 *u, unsigned int offset, u8 val)
{
	unsigned long flags = 0;

	vmm_lock(&u->lock, flags);
	uart_write_locked(u, offset, val);
	uart_update_irq(u);
	vmm_unlock(&u->lock, flags);
}

static unsigned int uart_rx_space_locked(const struct uart16550 *u)
{
	if (uart_loopback(u))
		return 0;
	return uart_rx_capacity(u) - u->rx_count;
}

unsigned int uart16550_rx_push(struct uart16550 *u, const u8 *buf,
			       unsigned int len)
{
	unsigned long flags = 0;
	unsigned int n, i;

	vmm_lock(&u->lock, flags);
	n = uart_rx_space_locked(u);
	if (n > len)
		n = len;
	for (i = 0; i < n; i++)
		uart_rx_byte(u, buf[i]);
	uart_update_irq(u);
	vmm_unlock(&u->lock, flags);
	return n;
}

unsigned int uart16550_rx_space(struct uart16550 *u)
{
	unsigned long flags = 0;
	unsigned int n;

	vmm_lock(&u->lock, flags);
	n = uart_rx_space_locked(u);
	vmm_unlock(&u->lock, flags);
	return n;
}

void uart16550_tx_kick(struct uart16550 *u)
{
	unsigned long flags = 0;

	vmm_lock(&u->lock, flags);
	if (u->tx_blocked && !uart_loopback(u) &&
	    (!u->be->tx_ready || u->be->tx_ready(u->opaque))) {
		u->tx_blocked = false;
		u->thr_ipending = true;
		uart_update_irq(u);
	}
	vmm_unlock(&u->lock, flags);
}

void uart16550_rx_kick(struct uart16550 *u)
{
	unsigned long flags = 0;

	vmm_lock(&u->lock, flags);
	uart_rx_fill(u);
	uart_update_irq(u);
	vmm_unlock(&u->lock, flags);
}
