// SPDX-License-Identifier: GPL-2.0
/*
 * The serial console: the portable 16550 model at 0x3f8 wired to a byte
 * ring that userspace drains through a console fd (read/write/poll).
 *
 * Until a console fd exists the UART's output is discarded, like a port
 * with no cable. Once one exists, a full ring makes LSR report the
 * transmitter busy, so a polling guest waits instead of losing output.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "vmm.h"
#include "core/ring.h"
#include "core/uart16550.h"

#define VMM_COM1_BASE		0x3f8
#define VMM_CONSOLE_TX_SIZE	(64 * 1024)
#define VMM_CONSOLE_RX_SIZE	4096

struct vmm_console {
	struct uart16550 uart;		/* its lock also guards tx and rx */
	struct vmm_ring tx;		/* guest -> host */
	struct vmm_ring rx;		/* host -> guest, pulled by the UART */
	bool attached;
	struct vmm_vm *vm;
	struct vmm_irq_line irq;	/* where the platform wired it, if anywhere */
	wait_queue_head_t wq;
	struct irq_work wake;		/* PREEMPT_RT: wakes wq from outside */
	u8 txbuf[VMM_CONSOLE_TX_SIZE];
	u8 rxbuf[VMM_CONSOLE_RX_SIZE];
};

static void vmm_console_wake_fn(struct irq_work *w)
{
	struct vmm_console *c = container_of(w, struct vmm_console, wake);

	wake_up_interruptible(&c->wq);
}

/*
 * The UART calls out with its raw lock held, from exit handlers. On
 * PREEMPT_RT a wait queue's lock sleeps: wake the readers from irq_work
 * (a kthread there) instead.
 */
static void vmm_console_wake(struct vmm_console *c)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		irq_work_queue(&c->wake);
	else
		wake_up_interruptible(&c->wq);
}

static bool vmm_console_tx_ready(void *opaque)
{
	struct vmm_console *c = opaque;

	return !c->attached || vmm_ring_space(&c->tx);
}

static void vmm_console_tx(void *opaque, u8 byte)
{
	struct vmm_console *c = opaque;

	if (!c->attached)
		return;
	vmm_ring_put(&c->tx, &byte, 1);
	vmm_console_wake(c);
}

static unsigned int vmm_console_rx_pull(void *opaque, u8 *buf,
					unsigned int max)
{
	struct vmm_console *c = opaque;
	unsigned int n = vmm_ring_get(&c->rx, buf, max);

	if (n)
		vmm_console_wake(c);
	return n;
}

/* The UART's interrupt goes where the platform wired it (or nowhere). */
static void vmm_console_irq(void *opaque, bool level)
{
	struct vmm_console *c = opaque;

	if (c->irq.set)
		c->irq.set(c->irq.opaque, c->irq.line, level);
}

void vmm_console_wire_irq(struct vmm_vm *vm, const struct vmm_irq_line *irq)
{
	vm->console->irq = *irq;
}

static const struct uart16550_backend vmm_console_backend = {
	.tx_ready = vmm_console_tx_ready,
	.tx = vmm_console_tx,
	.set_irq = vmm_console_irq,
	.rx_pull = vmm_console_rx_pull,
};

/* The UART's ports; a wide access reaches consecutive registers. */
static void vmm_console_pio(void *dev, u16 port, bool in, unsigned int size,
			    u32 *val)
{
	struct vmm_console *c = dev;
	unsigned int i, reg;

	for (i = 0; i < size; i++) {
		reg = port + i - VMM_COM1_BASE;
		if (reg > 7) {
			if (in)
				*val |= 0xffu << (8 * i);
			continue;
		}
		if (in) {
			if (!i)
				*val = 0;
			*val |= (u32)uart16550_read(&c->uart, reg) << (8 * i);
		} else {
			uart16550_write(&c->uart, reg, *val >> (8 * i));
		}
	}
}

int vmm_console_init(struct vmm_vm *vm)
{
	struct vmm_console *c = kvzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	int r;

	if (!c)
		return -ENOMEM;
	init_waitqueue_head(&c->wq);
	init_irq_work(&c->wake, vmm_console_wake_fn);
	c->vm = vm;
	vmm_ring_init(&c->tx, c->txbuf, sizeof(c->txbuf));
	vmm_ring_init(&c->rx, c->rxbuf, sizeof(c->rxbuf));
	uart16550_init(&c->uart, &vmm_console_backend, c);
	vm->console = c;
	r = vmm_pio_register(vm, VMM_COM1_BASE, 8, vmm_console_pio, c);
	if (r) {
		kvfree(c);
		vm->console = NULL;
		return r;
	}
	atomic_long_add(sizeof(*c), &vm->overhead);
	return 0;
}

void vmm_console_destroy(struct vmm_vm *vm)
{
	if (vm->console)
		irq_work_sync(&vm->console->wake);
	kvfree(vm->console);
	vm->console = NULL;
}

static u32 vmm_console_take(struct vmm_console *c, u8 *buf, u32 n)
{
	unsigned long flags;

	vmm_lock(&c->uart.lock, flags);
	n = vmm_ring_get(&c->tx, buf, n);
	vmm_unlock(&c->uart.lock, flags);
	return n;
}

static bool vmm_console_has_output(struct vmm_console *c)
{
	return READ_ONCE(c->tx.head) != READ_ONCE(c->tx.tail);
}

static ssize_t vmm_console_read(struct file *f, char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct vmm_vm *vm = f->private_data;
	struct vmm_console *c = vm->console;
	u8 buf[256];
	ssize_t done = 0;
	int r;

	while (len) {
		u32 n = vmm_console_take(c, buf, min(len, sizeof(buf)));

		if (!n) {
			if (done)
				break;
			if (f->f_flags & O_NONBLOCK)
				return -EAGAIN;
			r = wait_event_interruptible(c->wq,
						     vmm_console_has_output(c));
			if (r)
				return r;
			continue;
		}
		if (copy_to_user(ubuf + done, buf, n))
			return done ? done : -EFAULT;
		done += n;
		len -= n;
	}
	if (done)
		uart16550_tx_kick(&c->uart);
	return done;
}

static u32 vmm_console_queue(struct vmm_console *c, const u8 *buf, u32 n)
{
	unsigned long flags;

	vmm_lock(&c->uart.lock, flags);
	n = vmm_ring_put(&c->rx, buf, n);
	vmm_unlock(&c->uart.lock, flags);
	if (n)
		uart16550_rx_kick(&c->uart);
	return n;
}

static bool vmm_console_rx_room(struct vmm_console *c)
{
	return vmm_ring_space(&c->rx) != 0;
}

static ssize_t vmm_console_write(struct file *f, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct vmm_vm *vm = f->private_data;
	struct vmm_console *c = vm->console;
	u8 buf[256];
	ssize_t done = 0;
	int r;

	if (!len)
		return 0;
	while (len) {
		u32 n = min(len, sizeof(buf)), got;

		if (copy_from_user(buf, ubuf + done, n))
			return done ? done : -EFAULT;
		got = vmm_console_queue(c, buf, n);
		done += got;
		len -= got;
		if (got < n) {
			/* The guest has not taken earlier input yet. */
			if (done || (f->f_flags & O_NONBLOCK))
				break;
			r = wait_event_interruptible(c->wq,
						     vmm_console_rx_room(c));
			if (r)
				return r;
		}
	}
	return done ? done : -EAGAIN;
}

static __poll_t vmm_console_poll(struct file *f, poll_table *wait)
{
	struct vmm_vm *vm = f->private_data;
	struct vmm_console *c = vm->console;
	__poll_t mask = 0;

	poll_wait(f, &c->wq, wait);
	if (vmm_console_has_output(c))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (vmm_console_rx_room(c))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static int vmm_console_release(struct inode *inode, struct file *f)
{
	struct vmm_vm *vm = f->private_data;
	struct vmm_console *c = vm->console;
	unsigned long flags;

	vmm_lock(&c->uart.lock, flags);
	c->attached = false;
	vmm_unlock(&c->uart.lock, flags);
	uart16550_tx_kick(&c->uart);
	fput(vm->file);
	return 0;
}

static const struct file_operations vmm_console_fops = {
	.owner = THIS_MODULE,
	.read = vmm_console_read,
	.write = vmm_console_write,
	.poll = vmm_console_poll,
	.release = vmm_console_release,
	.llseek = noop_llseek,
};

int vmm_console_get_fd(struct vmm_vm *vm)
{
	struct vmm_console *c = vm->console;
	unsigned long flags;
	int fd;

	vmm_lock(&c->uart.lock, flags);
	if (c->attached) {
		vmm_unlock(&c->uart.lock, flags);
		return -EBUSY;
	}
	c->attached = true;
	vmm_unlock(&c->uart.lock, flags);

	get_file(vm->file);
	fd = anon_inode_getfd("vmm-console", &vmm_console_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fput(vm->file);
		vmm_lock(&c->uart.lock, flags);
		c->attached = false;
		vmm_unlock(&c->uart.lock, flags);
	}
	return fd;
}
