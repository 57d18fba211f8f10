/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What guest-drivers/virtio_hostile.c gets instead of the freestanding
 * runtime when tests/unit/test_virtio_hostile.c runs it in userspace:
 * everything (types, port I/O, MMIO, output) is defined by that test
 * before it includes the payload, so there is nothing left to declare.
 */
#ifndef VHOSTILE_HOSTED
#error "hosted/guest.h is only for test_virtio_hostile.c"
#endif
