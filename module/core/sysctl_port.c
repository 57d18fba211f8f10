// SPDX-License-Identifier: GPL-2.0
/*
 * System control port A (0x92) and the reset control register (0xcf9):
 * see sysctl_port.h.
 */
#include "sysctl_port.h"

static const struct sysctl_port_ops sysctl_null_ops;

void sysctl_port_init(struct sysctl_port *s, const struct sysctl_port_ops *ops,
		      void *opaque)
{
	memset(s, 0, sizeof(*s));
	vmm_lock_init(&s->lock);
	s->ops = ops ? ops : &sysctl_null_ops;
	s->opaque = opaque;
}

void sysctl_port_reset(struct sysctl_port *s)
{
	unsigned long flags = 0;

	vmm_lock(&s->lock, flags);
	s->port_a = 0;
	s->rcr = 0;
	vmm_unlock(&s->lock, flags);
}

u8 sysctl_port_read(struct sysctl_port *s, u16 port)
{
	unsigned long flags = 0;
	u8 val;

	vmm_lock(&s->lock, flags);
	switch (port) {
	case SYSCTL_PORT_A:
		val = s->port_a;
		break;
	case SYSCTL_PORT_RCR:
		val = s->rcr;
		break;
	default:
		val = 0xff;
		break;
	}
	vmm_unlock(&s->lock, flags);
	return val;
}

static void sysctl_write_port_a(struct sysctl_port *s, u8 val)
{
	u8 old = s->port_a;

	s->port_a = val & SYSCTL_A_STORED;
	if (((old ^ val) & SYSCTL_A_A20) && s->ops->a20_changed)
		s->ops->a20_changed(s->opaque, val & SYSCTL_A_A20);
	if ((val & ~old & SYSCTL_A_FAST_RESET) && s->ops->reset_request)
		s->ops->reset_request(s->opaque);
}

void sysctl_port_write(struct sysctl_port *s, u16 port, u8 val)
{
	unsigned long flags = 0;

	vmm_lock(&s->lock, flags);
	switch (port) {
	case SYSCTL_PORT_A:
		sysctl_write_port_a(s, val);
		break;
	case SYSCTL_PORT_RCR:
		s->rcr = val & SYSCTL_RCR_STORED;
		if ((val & SYSCTL_RCR_RST_CPU) && s->ops->reset_request)
			s->ops->reset_request(s->opaque);
		break;
	default:
		break;
	}
	vmm_unlock(&s->lock, flags);
}
