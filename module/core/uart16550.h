/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A self-contained 16550A UART model: eight registers at offsets 0-7 from
 * the base port (0x3f8 for COM1).
 *
 * Transmit: a THR write goes straight to the backend. There is no TX FIFO;
 * instead LSR.THRE/TEMT read as 1 only while be->tx_ready() says the
 * backend can take a byte, so a polling guest waits for room, and a byte
 * written while the backend is not ready is dropped (counted in
 * tx_dropped). When the backend gains room it calls uart16550_tx_kick()
 * so that an interrupt-driven guest gets its THR-empty interrupt.
 *
 * Receive: a 16-byte FIFO (1 byte when FCR FIFOs are disabled) filled by
 * uart16550_rx_push() or, when the backend has rx_pull, by the model
 * itself whenever the FIFO gains room. A byte arriving at a full FIFO
 * (only possible in loopback mode) sets LSR.OE.
 *
 * Interrupts: IIR reports the highest-priority source (RX line status >
 * RX data available / character timeout > THR empty > modem status). The
 * IRQ output is that "pending" state gated by MCR.OUT2, as on PC serial
 * ports, and is inactive in loopback mode; be->set_irq() is called only
 * when the level changes.
 */
#ifndef VMM_CORE_UART16550_H
#define VMM_CORE_UART16550_H

#include "host.h"

#define UART16550_BASE_COM1	0x3f8
#define UART16550_NR_PORTS	8
#define UART16550_FIFO_SIZE	16

/* Register offsets. */
#define U16550_RBR		0	/* in, DLAB=0 */
#define U16550_THR		0	/* out, DLAB=0 */
#define U16550_DLL		0	/* DLAB=1 */
#define U16550_IER		1	/* DLAB=0 */
#define U16550_DLM		1	/* DLAB=1 */
#define U16550_IIR		2	/* in */
#define U16550_FCR		2	/* out */
#define U16550_LCR		3
#define U16550_MCR		4
#define U16550_LSR		5
#define U16550_MSR		6
#define U16550_SCR		7

/* IER */
#define U16550_IER_ERBFI		0x01	/* RX data available */
#define U16550_IER_ETBEI		0x02	/* THR empty */
#define U16550_IER_ELSI		0x04	/* RX line status */
#define U16550_IER_EDSSI		0x08	/* modem status */
#define U16550_IER_MASK		0x0f

/* IIR */
#define U16550_IIR_NO_INT		0x01
#define U16550_IIR_MSI		0x00	/* modem status */
#define U16550_IIR_THRI		0x02	/* THR empty */
#define U16550_IIR_RDI		0x04	/* RX data available */
#define U16550_IIR_RLSI		0x06	/* RX line status */
#define U16550_IIR_CTI		0x0c	/* character timeout */
#define U16550_IIR_ID_MASK	0x0f
#define U16550_IIR_FIFO_ENABLED	0xc0

/* FCR */
#define U16550_FCR_ENABLE		0x01
#define U16550_FCR_CLEAR_RCVR	0x02
#define U16550_FCR_CLEAR_XMIT	0x04
#define U16550_FCR_DMA_SELECT	0x08
#define U16550_FCR_TRIGGER_MASK	0xc0
#define U16550_FCR_TRIGGER_SHIFT	6

/* LCR */
#define U16550_LCR_DLAB		0x80

/* MCR */
#define U16550_MCR_DTR		0x01
#define U16550_MCR_RTS		0x02
#define U16550_MCR_OUT1		0x04
#define U16550_MCR_OUT2		0x08
#define U16550_MCR_LOOP		0x10
#define U16550_MCR_MASK		0x1f

/* LSR */
#define U16550_LSR_DR		0x01	/* data ready */
#define U16550_LSR_OE		0x02	/* overrun error */
#define U16550_LSR_PE		0x04	/* parity error */
#define U16550_LSR_FE		0x08	/* framing error */
#define U16550_LSR_BI		0x10	/* break interrupt */
#define U16550_LSR_THRE		0x20	/* THR empty */
#define U16550_LSR_TEMT		0x40	/* transmitter empty */
#define U16550_LSR_FIFOE		0x80	/* error in RX FIFO */
#define U16550_LSR_ERRORS		(U16550_LSR_OE | U16550_LSR_PE | U16550_LSR_FE | U16550_LSR_BI)

/* MSR */
#define U16550_MSR_DCTS		0x01
#define U16550_MSR_DDSR		0x02
#define U16550_MSR_TERI		0x04
#define U16550_MSR_DDCD		0x08
#define U16550_MSR_DELTAS		0x0f
#define U16550_MSR_CTS		0x10
#define U16550_MSR_DSR		0x20
#define U16550_MSR_RI		0x40
#define U16550_MSR_DCD		0x80
/* Lines seen outside loopback mode: a connected, ready peer. */
#define U16550_MSR_CONNECTED	(U16550_MSR_CTS | U16550_MSR_DSR | U16550_MSR_DCD)

struct uart16550_backend {
	/* All called with the UART lock held; must not sleep. */
	bool (*tx_ready)(void *opaque);		/* can accept one more byte now */
	void (*tx)(void *opaque, u8 byte);	/* guest transmitted a byte */
	void (*set_irq)(void *opaque, bool level);	/* may be NULL */
	/*
	 * May be NULL. Called when the RX FIFO has room (after the guest
	 * reads RBR, a FIFO reset, leaving loopback, uart16550_rx_kick()):
	 * copy up to max pending host->guest bytes to buf, return how many.
	 * Must not call back into the UART.
	 */
	unsigned int (*rx_pull)(void *opaque, u8 *buf, unsigned int max);
};

struct uart16550 {
	vmm_lock_t lock;

	u8 ier, lcr, mcr, lsr, msr, scr, dll, dlm;
	u8 fcr;			/* FIFO enable and trigger bits as written */
	u8 rbr;			/* last byte read from RBR */
	bool thr_ipending;	/* THR-empty interrupt pending */
	bool tx_blocked;	/* THRE was seen 0: interrupt on tx_kick */
	bool irq_level;		/* IRQ output as last reported */

	u8 rx_fifo[UART16550_FIFO_SIZE];
	u8 rx_head;		/* index of the oldest byte */
	u8 rx_count;

	u64 tx_dropped;		/* THR writes while the backend was not ready */
	u64 rx_overruns;

	const struct uart16550_backend *be;
	void *opaque;
};

/* Reset state; does not call the backend. */
void uart16550_init(struct uart16550 *u, const struct uart16550_backend *be,
		    void *opaque);
/* Guest port access at offset 0-7 (other offsets: reads 0xff, writes ignored). */
u8 uart16550_read(struct uart16550 *u, unsigned int offset);	/* takes the lock */
void uart16550_write(struct uart16550 *u, unsigned int offset, u8 val);	/* takes the lock */
/* Host->guest input; returns bytes accepted (FIFO space; 0 in loopback mode). */
unsigned int uart16550_rx_push(struct uart16550 *u, const u8 *buf, unsigned int len);
/* How many bytes uart16550_rx_push() would accept now. */
unsigned int uart16550_rx_space(struct uart16550 *u);
/* Backend gained room: re-evaluate the THR-empty interrupt. */
void uart16550_tx_kick(struct uart16550 *u);
/* Host input became available: pull it through be->rx_pull if set. */
void uart16550_rx_kick(struct uart16550 *u);

#endif /* VMM_CORE_UART16550_H */
