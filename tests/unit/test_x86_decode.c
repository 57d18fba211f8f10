// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the x86 instruction decoder (module/core/x86_decode.c):
 * lengths of a large table of encodings (generated offline with GNU as and
 * cross-checked with objdump), field decoding, memory operands of the
 * instructions the MMIO path emulates, truncation and the 15-byte limit.
 */
#include <stdio.h>
#include <string.h>
#include "host.h"
#include "x86_decode.h"
#include "ktap.h"

#define M_REAL		X86_MODE_REAL
#define M_PROT16	X86_MODE_PROT16
#define M_PROT32	X86_MODE_PROT32
#define M_LONG64	X86_MODE_LONG64

struct len_case {
	enum x86_mode mode;
	unsigned int len;
	const char *bytes;
	const char *text;
};

/*
 * Generated from .code16/.code32/.code64 sources by `as` and
 * `objdump -d -w -M intel`; the lengths are objdump's. M_REAL entries are
 * also checked in M_PROT16.
 */
static const struct len_case len_cases[] = {
	{ M_REAL, 2, "\x0f\xa2", "cpuid" },
	{ M_REAL, 1, "\xf4", "hlt" },
	{ M_REAL, 2, "\x0f\x32", "rdmsr" },
	{ M_REAL, 2, "\x0f\x30", "wrmsr" },
	{ M_REAL, 3, "\x0f\x01\xc1", "vmcall" },
	{ M_REAL, 3, "\x0f\x01\xd9", "vmmcall" },
	{ M_REAL, 2, "\xe4\x60", "in al,0x60" },
	{ M_REAL, 1, "\xed", "in ax,dx" },
	{ M_REAL, 2, "\x66\xed", "in eax,dx" },
	{ M_REAL, 2, "\xe6\x80", "out 0x80,al" },
	{ M_REAL, 2, "\xf3\x6f", "rep outs dx,WORD PTR ds:[si]" },
	{ M_REAL, 3, "\x66\xf3\x6f", "rep outs dx,DWORD PTR ds:[si]" },
	{ M_REAL, 1, "\x40", "inc ax" },
	{ M_REAL, 1, "\x06", "push es" },
	{ M_REAL, 1, "\x60", "pusha" },
	{ M_REAL, 3, "\xa1\x34\x12", "mov ax,ds:0x1234" },
	{ M_REAL, 2, "\x8b\x07", "mov ax,WORD PTR [bx]" },
	{ M_REAL, 3, "\x8b\x46\x00", "mov ax,WORD PTR [bp+0x0]" },
	{ M_REAL, 2, "\x8b\x02", "mov ax,WORD PTR [bp+si]" },
	{ M_REAL, 3, "\x8b\x41\x10", "mov ax,WORD PTR [bx+di+0x10]" },
	{ M_REAL, 4, "\x8b\x84\x34\x12", "mov ax,WORD PTR [si+0x1234]" },
	{ M_REAL, 3, "\x8b\x46\xfe", "mov ax,WORD PTR [bp-0x2]" },
	{ M_REAL, 3, "\xc6\x07\x12", "mov BYTE PTR [bx],0x12" },
	{ M_REAL, 4, "\xc7\x00\x34\x12", "mov WORD PTR [bx+si],0x1234" },
	{ M_REAL, 7, "\x66\xc7\x07\x78\x56\x34\x12", "mov DWORD PTR [bx],0x12345678" },
	{ M_REAL, 2, "\x88\x25", "mov BYTE PTR [di],ah" },
	{ M_REAL, 2, "\x89\x0c", "mov WORD PTR [si],cx" },
	{ M_REAL, 3, "\x66\x8b\x07", "mov eax,DWORD PTR [bx]" },
	{ M_REAL, 2, "\x8a\x2f", "mov ch,BYTE PTR [bx]" },
	{ M_REAL, 3, "\x0f\xb6\x07", "movzx ax,BYTE PTR [bx]" },
	{ M_REAL, 4, "\x66\x0f\xb7\x07", "movzx eax,WORD PTR [bx]" },
	{ M_REAL, 4, "\x66\x0f\xbe\x07", "movsx eax,BYTE PTR [bx]" },
	{ M_REAL, 4, "\x0f\xbe\x47\x02", "movsx ax,BYTE PTR [bx+0x2]" },
	{ M_REAL, 3, "\xa0\x34\x12", "mov al,ds:0x1234" },
	{ M_REAL, 3, "\xa1\x34\x12", "mov ax,ds:0x1234" },
	{ M_REAL, 4, "\x66\xa1\x34\x12", "mov eax,ds:0x1234" },
	{ M_REAL, 3, "\xa3\x34\x12", "mov ds:0x1234,ax" },
	{ M_REAL, 6, "\x67\xa0\x78\x56\x34\x12", "addr32 mov al,ds:0x12345678" },
	{ M_REAL, 3, "\x67\x8b\x00", "mov ax,WORD PTR [eax]" },
	{ M_REAL, 5, "\x67\x8b\x44\x48\x10", "mov ax,WORD PTR [eax+ecx*2+0x10]" },
	{ M_REAL, 4, "\x67\x8b\x45\x00", "mov ax,WORD PTR [ebp+0x0]" },
	{ M_REAL, 3, "\xb8\x34\x12", "mov ax,0x1234" },
	{ M_REAL, 6, "\x66\xb8\x78\x56\x34\x12", "mov eax,0x12345678" },
	{ M_REAL, 3, "\x05\x34\x12", "add ax,0x1234" },
	{ M_REAL, 6, "\x66\x05\x78\x56\x34\x12", "add eax,0x12345678" },
	{ M_REAL, 4, "\xf7\x07\x34\x12", "test WORD PTR [bx],0x1234" },
	{ M_REAL, 7, "\x66\xf7\x07\x78\x56\x34\x12", "test DWORD PTR [bx],0x12345678" },
	{ M_REAL, 3, "\x68\x34\x12", "push 0x1234" },
	{ M_REAL, 6, "\x66\x68\x78\x56\x34\x12", "pushd 0x12345678" },
	{ M_REAL, 5, "\x9a\x34\x12\x00\x10", "call 0x1000:0x1234" },
	{ M_REAL, 5, "\xea\x34\x12\x00\x10", "jmp 0x1000:0x1234" },
	{ M_REAL, 4, "\xc8\x08\x00\x01", "enter 0x8,0x1" },
	{ M_REAL, 3, "\xca\x02\x00", "retf 0x2" },
	{ M_REAL, 3, "\xe8\xfd\x00", "call 0x1ac" },
	{ M_REAL, 3, "\xe9\xfd\x00", "jmp 0x1af" },
	{ M_REAL, 4, "\x0f\x84\xfc\x00", "je 0x1b2" },
	{ M_REAL, 3, "\x26\x89\x05", "mov WORD PTR es:[di],ax" },
	{ M_REAL, 3, "\x64\x8b\x07", "mov ax,WORD PTR fs:[bx]" },
	{ M_REAL, 3, "\x0f\x20\xc0", "mov eax,cr0" },
	{ M_REAL, 3, "\x0f\x22\xc0", "mov cr0,eax" },
	{ M_REAL, 3, "\x0f\x01\x17", "lgdtw [bx]" },
	{ M_REAL, 5, "\x0f\x01\x1e\x34\x12", "lidtw ds:0x1234" },
	{ M_REAL, 3, "\x0f\x01\xf0", "lmsw ax" },
	{ M_REAL, 1, "\xcf", "iret" },
	{ M_REAL, 2, "\xcd\x10", "int 0x10" },
	{ M_REAL, 1, "\xce", "into" },
	{ M_REAL, 2, "\xc4\x07", "les ax,DWORD PTR [bx]" },
	{ M_REAL, 3, "\xc5\x76\x04", "lds si,DWORD PTR [bp+0x4]" },
	{ M_REAL, 3, "\xf0\xff\x07", "lock inc WORD PTR [bx]" },
	{ M_PROT32, 2, "\x0f\xa2", "cpuid" },
	{ M_PROT32, 1, "\xf4", "hlt" },
	{ M_PROT32, 2, "\x0f\x32", "rdmsr" },
	{ M_PROT32, 2, "\x0f\x30", "wrmsr" },
	{ M_PROT32, 3, "\x0f\x01\xc1", "vmcall" },
	{ M_PROT32, 3, "\x0f\x01\xd9", "vmmcall" },
	{ M_PROT32, 2, "\xe4\x60", "in al,0x60" },
	{ M_PROT32, 1, "\xed", "in eax,dx" },
	{ M_PROT32, 2, "\xe7\x80", "out 0x80,eax" },
	{ M_PROT32, 1, "\xee", "out dx,al" },
	{ M_PROT32, 2, "\xf3\x6f", "rep outs dx,DWORD PTR ds:[esi]" },
	{ M_PROT32, 2, "\xf3\x6c", "rep ins BYTE PTR es:[edi],dx" },
	{ M_PROT32, 3, "\x66\xe5\x71", "in ax,0x71" },
	{ M_PROT32, 2, "\x66\x6f", "outs dx,WORD PTR ds:[esi]" },
	{ M_PROT32, 1, "\x40", "inc eax" },
	{ M_PROT32, 1, "\x4f", "dec edi" },
	{ M_PROT32, 1, "\x06", "push es" },
	{ M_PROT32, 1, "\x1f", "pop ds" },
	{ M_PROT32, 1, "\x0e", "push cs" },
	{ M_PROT32, 1, "\x27", "daa" },
	{ M_PROT32, 1, "\x3f", "aas" },
	{ M_PROT32, 2, "\xd4\x0a", "aam 0xa" },
	{ M_PROT32, 2, "\xd5\x10", "aad 0x10" },
	{ M_PROT32, 1, "\x60", "pusha" },
	{ M_PROT32, 1, "\x61", "popa" },
	{ M_PROT32, 2, "\x62\x00", "bound eax,QWORD PTR [eax]" },
	{ M_PROT32, 2, "\x63\x00", "arpl WORD PTR [eax],ax" },
	{ M_PROT32, 1, "\xce", "into" },
	{ M_PROT32, 7, "\x9a\x78\x56\x34\x12\x10\x00", "call 0x10:0x12345678" },
	{ M_PROT32, 7, "\xea\x78\x56\x34\x12\x10\x00", "jmp 0x10:0x12345678" },
	{ M_PROT32, 2, "\xff\x18", "call FWORD PTR [eax]" },
	{ M_PROT32, 2, "\xc4\x00", "les eax,FWORD PTR [eax]" },
	{ M_PROT32, 3, "\xc5\x43\x04", "lds eax,FWORD PTR [ebx+0x4]" },
	{ M_PROT32, 5, "\xa1\x78\x56\x34\x12", "mov eax,ds:0x12345678" },
	{ M_PROT32, 2, "\x8b\x00", "mov eax,DWORD PTR [eax]" },
	{ M_PROT32, 3, "\x8b\x04\x24", "mov eax,DWORD PTR [esp]" },
	{ M_PROT32, 3, "\x8b\x45\x00", "mov eax,DWORD PTR [ebp+0x0]" },
	{ M_PROT32, 3, "\x8b\x45\x10", "mov eax,DWORD PTR [ebp+0x10]" },
	{ M_PROT32, 7, "\x8b\x84\x8c\x00\x10\x00\x00", "mov eax,DWORD PTR [esp+ecx*4+0x1000]" },
	{ M_PROT32, 7, "\x8b\x04\xcd\x00\x00\x00\x00", "mov eax,DWORD PTR [ecx*8+0x0]" },
	{ M_PROT32, 3, "\xc6\x00\x12", "mov BYTE PTR [eax],0x12" },
	{ M_PROT32, 6, "\xc7\x00\x78\x56\x34\x12", "mov DWORD PTR [eax],0x12345678" },
	{ M_PROT32, 6, "\x66\xc7\x40\x04\x34\x12", "mov WORD PTR [eax+0x4],0x1234" },
	{ M_PROT32, 2, "\x88\x27", "mov BYTE PTR [edi],ah" },
	{ M_PROT32, 2, "\x88\x1f", "mov BYTE PTR [edi],bl" },
	{ M_PROT32, 2, "\x8a\x36", "mov dh,BYTE PTR [esi]" },
	{ M_PROT32, 3, "\x66\x8b\x06", "mov ax,WORD PTR [esi]" },
	{ M_PROT32, 2, "\x89\x23", "mov DWORD PTR [ebx],esp" },
	{ M_PROT32, 3, "\x0f\xb6\x00", "movzx eax,BYTE PTR [eax]" },
	{ M_PROT32, 4, "\x66\x0f\xb6\x08", "movzx cx,BYTE PTR [eax]" },
	{ M_PROT32, 3, "\x0f\xbf\x28", "movsx ebp,WORD PTR [eax]" },
	{ M_PROT32, 4, "\x66\x0f\xbe\x38", "movsx di,BYTE PTR [eax]" },
	{ M_PROT32, 3, "\x0f\xc3\x3a", "movnti DWORD PTR [edx],edi" },
	{ M_PROT32, 5, "\xa0\x78\x56\x34\x12", "mov al,ds:0x12345678" },
	{ M_PROT32, 5, "\xa1\x78\x56\x34\x12", "mov eax,ds:0x12345678" },
	{ M_PROT32, 5, "\xa2\x78\x56\x34\x12", "mov ds:0x12345678,al" },
	{ M_PROT32, 6, "\x66\xa3\x78\x56\x34\x12", "mov ds:0x12345678,ax" },
	{ M_PROT32, 4, "\x67\xa1\x34\x12", "addr16 mov eax,ds:0x1234" },
	{ M_PROT32, 3, "\x67\x8b\x00", "mov eax,DWORD PTR [bx+si]" },
	{ M_PROT32, 4, "\x67\x8b\x46\x10", "mov eax,DWORD PTR [bp+0x10]" },
	{ M_PROT32, 5, "\x67\x8b\x81\x00\x10", "mov eax,DWORD PTR [bx+di+0x1000]" },
	{ M_PROT32, 5, "\xb8\x78\x56\x34\x12", "mov eax,0x12345678" },
	{ M_PROT32, 4, "\x66\xb8\x34\x12", "mov ax,0x1234" },
	{ M_PROT32, 2, "\xb1\x12", "mov cl,0x12" },
	{ M_PROT32, 4, "\x66\x05\x34\x12", "add ax,0x1234" },
	{ M_PROT32, 5, "\x05\x78\x56\x34\x12", "add eax,0x12345678" },
	{ M_PROT32, 6, "\xf7\x00\x78\x56\x34\x12", "test DWORD PTR [eax],0x12345678" },
	{ M_PROT32, 5, "\x66\xf7\x00\x34\x12", "test WORD PTR [eax],0x1234" },
	{ M_PROT32, 3, "\xf6\x00\x12", "test BYTE PTR [eax],0x12" },
	{ M_PROT32, 5, "\x68\x78\x56\x34\x12", "push 0x12345678" },
	{ M_PROT32, 5, "\x68\x34\x12\x00\x00", "push 0x1234" },
	{ M_PROT32, 4, "\x66\x68\x34\x12", "pushw 0x1234" },
	{ M_PROT32, 4, "\xc8\x08\x00\x00", "enter 0x8,0x0" },
	{ M_PROT32, 3, "\xc2\x04\x00", "ret 0x4" },
	{ M_PROT32, 5, "\xe8\xfb\x0f\x00\x00", "call 0x10e8" },
	{ M_PROT32, 5, "\xe9\xfb\x0f\x00\x00", "jmp 0x10ed" },
	{ M_PROT32, 6, "\x0f\x85\xfa\x0f\x00\x00", "jne 0x10f2" },
	{ M_PROT32, 3, "\x0f\x20\xc0", "mov eax,cr0" },
	{ M_PROT32, 3, "\x0f\x22\xd8", "mov cr3,eax" },
	{ M_PROT32, 3, "\x0f\x21\xf0", "mov eax,dr6" },
	{ M_PROT32, 7, "\x64\xc7\x00\x01\x00\x00\x00", "mov DWORD PTR fs:[eax],0x1" },
	{ M_PROT32, 6, "\x65\xa1\x10\x00\x00\x00", "mov eax,gs:0x10" },
	{ M_PROT32, 3, "\x26\x8b\x03", "mov eax,DWORD PTR es:[ebx]" },
	{ M_PROT32, 3, "\x2e\x8b\x03", "mov eax,DWORD PTR cs:[ebx]" },
	{ M_PROT32, 3, "\x36\x8b\x03", "mov eax,DWORD PTR ss:[ebx]" },
	{ M_PROT32, 4, "\xf0\x83\x00\x01", "lock add DWORD PTR [eax],0x1" },
	{ M_PROT32, 2, "\xf3\xa5", "rep movs DWORD PTR es:[edi],DWORD PTR ds:[esi]" },
	{ M_PROT32, 3, "\x0f\x01\x10", "lgdtd [eax]" },
	{ M_PROT32, 2, "\xff\x28", "jmp FWORD PTR [eax]" },
	{ M_PROT32, 2, "\xdb\x28", "fld TBYTE PTR [eax]" },
	{ M_PROT32, 4, "\x66\x0f\x6f\x00", "movdqa xmm0,XMMWORD PTR [eax]" },
	{ M_PROT32, 6, "\x66\x0f\x70\x40\x40\x1b", "pshufd xmm0,XMMWORD PTR [eax+0x40],0x1b" },
	{ M_PROT32, 2, "\x0f\x34", "sysenter" },
	{ M_LONG64, 2, "\x0f\xa2", "cpuid" },
	{ M_LONG64, 1, "\xf4", "hlt" },
	{ M_LONG64, 2, "\x0f\x32", "rdmsr" },
	{ M_LONG64, 2, "\x0f\x30", "wrmsr" },
	{ M_LONG64, 3, "\x0f\x01\xc1", "vmcall" },
	{ M_LONG64, 3, "\x0f\x01\xd9", "vmmcall" },
	{ M_LONG64, 3, "\x0f\x01\xc2", "vmlaunch" },
	{ M_LONG64, 3, "\x0f\x01\xc3", "vmresume" },
	{ M_LONG64, 2, "\xe4\x60", "in al,0x60" },
	{ M_LONG64, 1, "\xed", "in eax,dx" },
	{ M_LONG64, 2, "\xe6\x80", "out 0x80,al" },
	{ M_LONG64, 2, "\x66\xef", "out dx,ax" },
	{ M_LONG64, 2, "\xf3\x6e", "rep outs dx,BYTE PTR ds:[rsi]" },
	{ M_LONG64, 3, "\x66\xf3\x6d", "rep ins WORD PTR es:[rdi],dx" },
	{ M_LONG64, 3, "\x66\xe5\x71", "in ax,0x71" },
	{ M_LONG64, 3, "\x0f\x01\xd1", "xsetbv" },
	{ M_LONG64, 3, "\x0f\x01\xd0", "xgetbv" },
	{ M_LONG64, 2, "\x0f\x31", "rdtsc" },
	{ M_LONG64, 3, "\x0f\x01\xf9", "rdtscp" },
	{ M_LONG64, 2, "\xf3\x90", "pause" },
	{ M_LONG64, 1, "\x90", "nop" },
	{ M_LONG64, 1, "\xcc", "int3" },
	{ M_LONG64, 2, "\xcd\x80", "int 0x80" },
	{ M_LONG64, 2, "\x0f\x0b", "ud2" },
	{ M_LONG64, 2, "\x0f\x05", "syscall" },
	{ M_LONG64, 3, "\x48\x0f\x07", "sysretq" },
	{ M_LONG64, 2, "\x48\xcf", "iretq" },
	{ M_LONG64, 7, "\x48\x8b\x05\x78\x56\x34\x12", "mov rax,QWORD PTR [rip+0x12345678]" },
	{ M_LONG64, 6, "\x8b\x05\xf8\xff\xff\xff", "mov eax,DWORD PTR [rip+0xfffffffffffffff8]" },
	{ M_LONG64, 10, "\xc7\x05\x00\x01\x00\x00\x78\x56\x34\x12",
	  "mov DWORD PTR [rip+0x100],0x12345678" },
	{ M_LONG64, 11, "\x48\xc7\x05\x00\x01\x00\x00\xff\xff\xff\xff",
	  "mov QWORD PTR [rip+0x100],0xffffffffffffffff" },
	{ M_LONG64, 7, "\xc6\x05\x10\x00\x00\x00\x7f", "mov BYTE PTR [rip+0x10],0x7f" },
	{ M_LONG64, 5, "\x66\xc7\x00\x34\x12", "mov WORD PTR [rax],0x1234" },
	{ M_LONG64, 2, "\x88\x00", "mov BYTE PTR [rax],al" },
	{ M_LONG64, 2, "\x88\x20", "mov BYTE PTR [rax],ah" },
	{ M_LONG64, 3, "\x40\x88\x30", "mov BYTE PTR [rax],sil" },
	{ M_LONG64, 5, "\x46\x88\x4c\x80\x10", "mov BYTE PTR [rax+r8*4+0x10],r9b" },
	{ M_LONG64, 4, "\x4c\x89\x3c\x24", "mov QWORD PTR [rsp],r15" },
	{ M_LONG64, 3, "\x89\x45\x00", "mov DWORD PTR [rbp+0x0],eax" },
	{ M_LONG64, 4, "\x41\x89\x45\x00", "mov DWORD PTR [r13+0x0],eax" },
	{ M_LONG64, 4, "\x41\x89\x04\x24", "mov DWORD PTR [r12],eax" },
	{ M_LONG64, 7, "\x89\x0c\x45\x00\x10\x00\x00", "mov DWORD PTR [rax*2+0x1000],ecx" },
	{ M_LONG64, 8, "\x66\x89\x94\xcb\xff\xff\xff\x7f",
	  "mov WORD PTR [rbx+rcx*8+0x7fffffff],dx" },
	{ M_LONG64, 2, "\x8a\x0f", "mov cl,BYTE PTR [rdi]" },
	{ M_LONG64, 2, "\x8a\x3f", "mov bh,BYTE PTR [rdi]" },
	{ M_LONG64, 3, "\x40\x8a\x3f", "mov dil,BYTE PTR [rdi]" },
	{ M_LONG64, 4, "\x44\x8a\x57\x01", "mov r10b,BYTE PTR [rdi+0x1]" },
	{ M_LONG64, 7, "\x44\x8b\x9e\x80\x00\x00\x00", "mov r11d,DWORD PTR [rsi+0x80]" },
	{ M_LONG64, 4, "\x4c\x8b\x62\x80", "mov r12,QWORD PTR [rdx-0x80]" },
	{ M_LONG64, 3, "\x66\x8b\x01", "mov ax,WORD PTR [rcx]" },
	{ M_LONG64, 3, "\x0f\xb6\x00", "movzx eax,BYTE PTR [rax]" },
	{ M_LONG64, 4, "\x4c\x0f\xb7\x00", "movzx r8,WORD PTR [rax]" },
	{ M_LONG64, 4, "\x66\x0f\xb6\x00", "movzx ax,BYTE PTR [rax]" },
	{ M_LONG64, 5, "\x48\x0f\xbe\x4a\x04", "movsx rcx,BYTE PTR [rdx+0x4]" },
	{ M_LONG64, 3, "\x0f\xbf\x12", "movsx edx,WORD PTR [rdx]" },
	{ M_LONG64, 5, "\x66\x45\x0f\xbe\x37", "movsx r14w,BYTE PTR [r15]" },
	{ M_LONG64, 3, "\x48\x63\x03", "movsxd rax,DWORD PTR [rbx]" },
	{ M_LONG64, 3, "\x0f\xc3\x18", "movnti DWORD PTR [rax],ebx" },
	{ M_LONG64, 4, "\x4d\x0f\xc3\x08", "movnti QWORD PTR [r8],r9" },
	{ M_LONG64, 9, "\xa0\x88\x77\x66\x55\x44\x33\x22\x11", "movabs al,ds:0x1122334455667788" },
	{ M_LONG64, 9, "\xa1\x88\x77\x66\x55\x44\x33\x22\x11", "movabs eax,ds:0x1122334455667788" },
	{ M_LONG64, 10, "\x48\xa3\x88\x77\x66\x55\x44\x33\x22\x11",
	  "movabs ds:0x1122334455667788,rax" },
	{ M_LONG64, 10, "\x66\xa3\x88\x77\x66\x55\x44\x33\x22\x11",
	  "movabs ds:0x1122334455667788,ax" },
	{ M_LONG64, 10, "\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11",
	  "movabs rax,0x1122334455667788" },
	{ M_LONG64, 5, "\xb8\x44\x33\x22\x11", "mov eax,0x11223344" },
	{ M_LONG64, 5, "\x66\x41\xb9\x34\x12", "mov r9w,0x1234" },
	{ M_LONG64, 7, "\x49\xc7\xc7\xff\xff\xff\xff", "mov r15,0xffffffffffffffff" },
	{ M_LONG64, 5, "\x05\x78\x56\x34\x12", "add eax,0x12345678" },
	{ M_LONG64, 4, "\x66\x05\x34\x12", "add ax,0x1234" },
	{ M_LONG64, 4, "\x48\x83\xc0\xfe", "add rax,0xfffffffffffffffe" },
	{ M_LONG64, 2, "\x04\x01", "add al,0x1" },
	{ M_LONG64, 3, "\x80\x00\x01", "add BYTE PTR [rax],0x1" },
	{ M_LONG64, 6, "\x81\x00\x00\x10\x00\x00", "add DWORD PTR [rax],0x1000" },
	{ M_LONG64, 6, "\x48\x83\x44\x58\x08\x05", "add QWORD PTR [rax+rbx*2+0x8],0x5" },
	{ M_LONG64, 3, "\xf6\x00\x80", "test BYTE PTR [rax],0x80" },
	{ M_LONG64, 10, "\xf7\x05\x10\x00\x00\x00\x00\x00\x00\x80",
	  "test DWORD PTR [rip+0x10],0x80000000" },
	{ M_LONG64, 5, "\x66\xf7\x00\x00\x80", "test WORD PTR [rax],0x8000" },
	{ M_LONG64, 7, "\x48\xf7\x00\x01\x00\x00\x00", "test QWORD PTR [rax],0x1" },
	{ M_LONG64, 2, "\xf7\x10", "not DWORD PTR [rax]" },
	{ M_LONG64, 4, "\x48\xf7\x58\x08", "neg QWORD PTR [rax+0x8]" },
	{ M_LONG64, 3, "\x48\xf7\xe1", "mul rcx" },
	{ M_LONG64, 2, "\xf6\x30", "div BYTE PTR [rax]" },
	{ M_LONG64, 6, "\x69\xc1\x78\x56\x34\x12", "imul eax,ecx,0x12345678" },
	{ M_LONG64, 3, "\x6b\x00\x7f", "imul eax,DWORD PTR [rax],0x7f" },
	{ M_LONG64, 4, "\x48\x0f\xaf\x01", "imul rax,QWORD PTR [rcx]" },
	{ M_LONG64, 4, "\xc8\x00\x01\x01", "enter 0x100,0x1" },
	{ M_LONG64, 1, "\xc9", "leave" },
	{ M_LONG64, 1, "\xc3", "ret" },
	{ M_LONG64, 3, "\xc2\x08\x00", "ret 0x8" },
	{ M_LONG64, 2, "\x48\xcb", "retfq" },
	{ M_LONG64, 5, "\x68\x78\x56\x34\x12", "push 0x12345678" },
	{ M_LONG64, 2, "\x6a\x12", "push 0x12" },
	{ M_LONG64, 1, "\x50", "push rax" },
	{ M_LONG64, 2, "\x41\x54", "push r12" },
	{ M_LONG64, 2, "\x41\x5f", "pop r15" },
	{ M_LONG64, 2, "\xff\x30", "push QWORD PTR [rax]" },
	{ M_LONG64, 2, "\xff\x10", "call QWORD PTR [rax]" },
	{ M_LONG64, 6, "\xff\x25\x00\x10\x00\x00", "jmp QWORD PTR [rip+0x1000]" },
	{ M_LONG64, 2, "\xff\xd0", "call rax" },
	{ M_LONG64, 7, "\x48\x8d\x05\x00\x10\x00\x00", "lea rax,[rip+0x1000]" },
	{ M_LONG64, 4, "\x4c\x8d\x04\xd8", "lea r8,[rax+rbx*8]" },
	{ M_LONG64, 1, "\x91", "xchg ecx,eax" },
	{ M_LONG64, 3, "\x48\x87\x18", "xchg QWORD PTR [rax],rbx" },
	{ M_LONG64, 5, "\xf0\x48\x0f\xb1\x37", "lock cmpxchg QWORD PTR [rdi],rsi" },
	{ M_LONG64, 4, "\xf0\x0f\xc1\x08", "lock xadd DWORD PTR [rax],ecx" },
	{ M_LONG64, 3, "\xf0\xff\x00", "lock inc DWORD PTR [rax]" },
	{ M_LONG64, 4, "\x48\x0f\xc7\x08", "cmpxchg16b OWORD PTR [rax]" },
	{ M_LONG64, 4, "\x0f\xba\xe0\x03", "bt eax,0x3" },
	{ M_LONG64, 5, "\x48\x0f\xba\x28\x3f", "bts QWORD PTR [rax],0x3f" },
	{ M_LONG64, 4, "\x0f\xa4\xd8\x04", "shld eax,ebx,0x4" },
	{ M_LONG64, 4, "\x48\x0f\xad\xd8", "shrd rax,rbx,cl" },
	{ M_LONG64, 3, "\xc1\xe0\x04", "shl eax,0x4" },
	{ M_LONG64, 3, "\x48\xd1\x38", "sar QWORD PTR [rax],1" },
	{ M_LONG64, 2, "\xd2\x00", "rol BYTE PTR [rax],cl" },
	{ M_LONG64, 3, "\x0f\x94\xc0", "sete al" },
	{ M_LONG64, 4, "\x48\x0f\x45\x00", "cmovne rax,QWORD PTR [rax]" },
	{ M_LONG64, 3, "\x41\x0f\xc8", "bswap r8d" },
	{ M_LONG64, 5, "\xf3\x48\x0f\xb8\xc1", "popcnt rax,rcx" },
	{ M_LONG64, 4, "\xf3\x0f\xbd\x00", "lzcnt eax,DWORD PTR [rax]" },
	{ M_LONG64, 4, "\xf3\x0f\xbc\xc1", "tzcnt eax,ecx" },
	{ M_LONG64, 3, "\x0f\xc7\xf0", "rdrand eax" },
	{ M_LONG64, 3, "\x0f\x20\xd8", "mov rax,cr3" },
	{ M_LONG64, 3, "\x0f\x22\xc0", "mov cr0,rax" },
	{ M_LONG64, 4, "\x44\x0f\x22\xc0", "mov cr8,rax" },
	{ M_LONG64, 3, "\x0f\x21\xf8", "mov rax,dr7" },
	{ M_LONG64, 3, "\x0f\x01\x10", "lgdt [rax]" },
	{ M_LONG64, 7, "\x0f\x01\x1d\x10\x00\x00\x00", "lidt [rip+0x10]" },
	{ M_LONG64, 3, "\x0f\x01\x38", "invlpg BYTE PTR [rax]" },
	{ M_LONG64, 2, "\x0f\x08", "invd" },
	{ M_LONG64, 2, "\x0f\x09", "wbinvd" },
	{ M_LONG64, 3, "\x0f\xae\x38", "clflush BYTE PTR [rax]" },
	{ M_LONG64, 3, "\x0f\xae\xf0", "mfence" },
	{ M_LONG64, 3, "\x0f\xae\xe8", "lfence" },
	{ M_LONG64, 3, "\x0f\xae\xf8", "sfence" },
	{ M_LONG64, 3, "\x0f\x18\x00", "prefetchnta BYTE PTR [rax]" },
	{ M_LONG64, 4, "\x0f\x1f\x04\x00", "nop DWORD PTR [rax+rax*1]" },
	{ M_LONG64, 6, "\x2e\x66\x0f\x1f\x04\x00", "cs nop WORD PTR [rax+rax*1]" },
	{ M_LONG64, 4, "\xf3\x0f\x1e\xfa", "endbr64" },
	{ M_LONG64, 3, "\x0f\x28\x00", "movaps xmm0,XMMWORD PTR [rax]" },
	{ M_LONG64, 8, "\x66\x0f\x6f\x0d\x20\x00\x00\x00", "movdqa xmm1,XMMWORD PTR [rip+0x20]" },
	{ M_LONG64, 5, "\xf3\x45\x0f\x6f\x01", "movdqu xmm8,XMMWORD PTR [r9]" },
	{ M_LONG64, 5, "\x66\x48\x0f\x6e\xc0", "movq xmm0,rax" },
	{ M_LONG64, 4, "\x66\x0f\x7e\xc0", "movd eax,xmm0" },
	{ M_LONG64, 5, "\x66\x0f\x70\xc1\x1b", "pshufd xmm0,xmm1,0x1b" },
	{ M_LONG64, 5, "\x66\x0f\x73\xf8\x04", "pslldq xmm0,0x4" },
	{ M_LONG64, 5, "\x66\x0f\xc4\xc0\x02", "pinsrw xmm0,eax,0x2" },
	{ M_LONG64, 5, "\x66\x0f\xc5\xc0\x01", "pextrw eax,xmm0,0x1" },
	{ M_LONG64, 4, "\x0f\xc6\xc1\x44", "shufps xmm0,xmm1,0x44" },
	{ M_LONG64, 4, "\x0f\xc2\xc1\x02", "cmpleps xmm0,xmm1" },
	{ M_LONG64, 5, "\x66\x0f\x38\x00\xc1", "pshufb xmm0,xmm1" },
	{ M_LONG64, 6, "\x66\x0f\x38\x00\x40\x10", "pshufb xmm0,XMMWORD PTR [rax+0x10]" },
	{ M_LONG64, 6, "\x66\x0f\x3a\x0f\xc1\x04", "palignr xmm0,xmm1,0x4" },
	{ M_LONG64, 6, "\x66\x0f\x3a\x16\xc0\x01", "pextrd eax,xmm0,0x1" },
	{ M_LONG64, 7, "\x66\x48\x0f\x3a\x22\xc0\x01", "pinsrq xmm0,rax,0x1" },
	{ M_LONG64, 6, "\x66\x0f\x3a\x0a\xc1\x04", "roundss xmm0,xmm1,0x4" },
	{ M_LONG64, 5, "\xf2\x0f\x38\xf0\x00", "crc32 eax,BYTE PTR [rax]" },
	{ M_LONG64, 6, "\xf2\x48\x0f\x38\xf1\x00", "crc32 rax,QWORD PTR [rax]" },
	{ M_LONG64, 4, "\x0f\x38\xf0\x00", "movbe eax,DWORD PTR [rax]" },
	{ M_LONG64, 5, "\x66\x0f\x38\xdc\xc1", "aesenc xmm0,xmm1" },
	{ M_LONG64, 6, "\x66\x0f\x3a\x44\xc1\x11", "pclmulhqhqdq xmm0,xmm1" },
	{ M_LONG64, 2, "\xdd\x00", "fld QWORD PTR [rax]" },
	{ M_LONG64, 4, "\xd9\x5c\x24\x08", "fstp DWORD PTR [rsp+0x8]" },
	{ M_LONG64, 2, "\xd8\xc1", "fadd st,st(1)" },
	{ M_LONG64, 2, "\xdb\xe3", "fninit" },
	{ M_LONG64, 9, "\x64\x48\x89\x04\x25\x28\x00\x00\x00", "mov QWORD PTR fs:0x28,rax" },
	{ M_LONG64, 9, "\x65\x48\x8b\x04\x25\x00\x00\x00\x00", "mov rax,QWORD PTR gs:0x0" },
	{ M_LONG64, 3, "\x64\x8b\x00", "mov eax,DWORD PTR fs:[rax]" },
	{ M_LONG64, 2, "\xf3\xa4", "rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]" },
	{ M_LONG64, 3, "\xf3\x48\xab", "rep stos QWORD PTR es:[rdi],rax" },
	{ M_LONG64, 2, "\xf2\xae", "repnz scas al,BYTE PTR es:[rdi]" },
	{ M_LONG64, 1, "\xa6", "cmps BYTE PTR ds:[rsi],BYTE PTR es:[rdi]" },
	{ M_LONG64, 2, "\x48\xad", "lods rax,QWORD PTR ds:[rsi]" },
	{ M_LONG64, 2, "\x66\x98", "cbw" },
	{ M_LONG64, 1, "\x98", "cwde" },
	{ M_LONG64, 2, "\x48\x98", "cdqe" },
	{ M_LONG64, 2, "\x48\x99", "cqo" },
	{ M_LONG64, 1, "\x9e", "sahf" },
	{ M_LONG64, 1, "\x9f", "lahf" },
	{ M_LONG64, 1, "\xf8", "clc" },
	{ M_LONG64, 1, "\xf9", "stc" },
	{ M_LONG64, 1, "\xfa", "cli" },
	{ M_LONG64, 1, "\xfb", "sti" },
	{ M_LONG64, 1, "\xfc", "cld" },
	{ M_LONG64, 1, "\xfd", "std" },
	{ M_LONG64, 1, "\xf5", "cmc" },
	{ M_LONG64, 1, "\xd7", "xlat BYTE PTR ds:[rbx]" },
	{ M_LONG64, 2, "\xeb\x00", "jmp 0x2be" },
	{ M_LONG64, 5, "\xe9\xfb\x0f\x00\x00", "jmp 0x12be" },
	{ M_LONG64, 2, "\x74\x00", "je 0x2c5" },
	{ M_LONG64, 6, "\x0f\x84\xfa\x0f\x00\x00", "je 0x12c5" },
	{ M_LONG64, 5, "\xe8\xfb\x0f\x00\x00", "call 0x12cb" },
	{ M_LONG64, 2, "\xe2\x00", "loop 0x2d2" },
	{ M_LONG64, 2, "\xe3\x00", "jrcxz 0x2d4" },
	{ M_LONG64, 3, "\x67\xe3\xff", "jecxz 0x2d6" },
	{ M_LONG64, 3, "\x0f\x01\xf8", "swapgs" },
	{ M_LONG64, 5, "\xf3\x48\x0f\xae\xd0", "wrfsbase rax" },
	{ M_LONG64, 4, "\xf3\x0f\xc7\xf8", "rdpid rax" },
	{ M_LONG64, 3, "\x0f\xae\x20", "xsave [rax]" },
	{ M_LONG64, 3, "\x0f\xae\x28", "xrstor [rax]" },
	{ M_LONG64, 3, "\x0f\xae\x00", "fxsave [rax]" },
	{ M_LONG64, 3, "\x0f\xae\x18", "stmxcsr DWORD PTR [rax]" },
	{ M_LONG64, 3, "\x0f\x78\xd8", "vmread rax,rbx" },
	{ M_LONG64, 3, "\x0f\x79\x00", "vmwrite rax,QWORD PTR [rax]" },
	{ M_LONG64, 3, "\x0f\xc7\x30", "vmptrld QWORD PTR [rax]" },
	{ M_LONG64, 4, "\xf3\x0f\xc7\x30", "vmxon QWORD PTR [rax]" },
	{ M_LONG64, 5, "\x66\x0f\x38\x80\x00", "invept rax,OWORD PTR [rax]" },
	{ M_LONG64, 5, "\x66\x0f\x38\x81\x00", "invvpid rax,OWORD PTR [rax]" },
	{ M_LONG64, 3, "\x0f\x01\xdd", "clgi" },
	{ M_LONG64, 3, "\x0f\x01\xdc", "stgi" },
	{ M_LONG64, 3, "\x0f\x01\xd8", "vmrun" },
	{ M_LONG64, 3, "\x0f\x01\xda", "vmload" },
	{ M_LONG64, 3, "\x0f\x01\xdb", "vmsave" },
	{ M_LONG64, 3, "\x0f\x01\xdf", "invlpga" },
	{ M_LONG64, 3, "\x0f\x01\xde", "skinit" },
	{ M_LONG64, 3, "\x0f\x01\xc8", "monitor" },
	{ M_LONG64, 3, "\x0f\x01\xc9", "mwait" },
	{ M_LONG64, 2, "\x0f\x34", "sysenter" },
	{ M_LONG64, 3, "\x48\x0f\x35", "sysexitq" },
	{ M_LONG64, 2, "\x0f\x37", "getsec" },
	{ M_LONG64, 2, "\x0f\xaa", "rsm" },
	{ M_LONG64, 2, "\x0f\x06", "clts" },
	{ M_LONG64, 3, "\x0f\x02\xc0", "lar eax,eax" },
	{ M_LONG64, 3, "\x0f\x03\x00", "lsl eax,WORD PTR [rax]" },
	{ M_LONG64, 4, "\x66\x0f\x00\xc0", "sldt ax" },
	{ M_LONG64, 4, "\x66\x0f\x00\xc8", "str ax" },
	{ M_LONG64, 3, "\x0f\x00\xd8", "ltr ax" },
	{ M_LONG64, 3, "\x0f\x00\xe0", "verr ax" },
	{ M_LONG64, 3, "\x0f\x01\xe0", "smsw eax" },
	{ M_LONG64, 3, "\x0f\x01\xf0", "lmsw ax" },
	{ M_LONG64, 3, "\x0f\xb9\x00", "ud1 eax,DWORD PTR [rax]" },
	{ M_LONG64, 3, "\x0f\xff\x00", "ud0 eax,DWORD PTR [rax]" },
	{ M_LONG64, 6, "\xc7\xf8\xfa\x00\x00\x00", "xbegin 0x44c" },
	{ M_LONG64, 3, "\xc6\xf8\x01", "xabort 0x1" },
	{ M_LONG64, 3, "\x0f\x01\xd5", "xend" },
	{ M_LONG64, 3, "\x0f\x01\xd6", "xtest" },
	{ M_LONG64, 1, "\xec", "in al,dx" },
	{ M_LONG64, 1, "\x6e", "outs dx,BYTE PTR ds:[rsi]" },
	{ M_LONG64, 3, "\x67\x8b\x00", "mov eax,DWORD PTR [eax]" },
	{ M_LONG64, 6, "\x67\xc6\x44\x8b\x10\x12", "mov BYTE PTR [ebx+ecx*4+0x10],0x12" },
	{ M_LONG64, 7, "\x67\x8b\x05\x10\x00\x00\x00", "mov eax,DWORD PTR [eip+0x10]" },
	{ M_LONG64, 3, "\x66\x8c\xd8", "mov ax,ds" },
	{ M_LONG64, 2, "\x8e\xd8", "mov ds,eax" },
	{ M_LONG64, 4, "\x66\x0f\xbe\x00", "movsx ax,BYTE PTR [rax]" },
	/* random byte strings (biased to prefixes, REX and 0F), objdump lengths */
	{ M_REAL, 3, "\x3e\x0f\xc9", "ds bswap %cx" },
	{ M_REAL, 5, "\x0f\xb1\xbd\xd1\x6b", "cmpxchg %di,0x6bd1(%di)" },
	{ M_REAL, 4, "\x66\x0f\xe5\xc6", "pmulhw %xmm6,%xmm0" },
	{ M_REAL, 3, "\x0f\xdf\xfc", "pandn %mm4,%mm7" },
	{ M_REAL, 3, "\x18\x65\x7f", "sbb %ah,0x7f(%di)" },
	{ M_REAL, 4, "\x63\x80\xd5\x4a", "arpl %ax,0x4ad5(%bx,%si)" },
	{ M_REAL, 4, "\xf0\x66\x76\xce", "lock data32 jbe 0xb2" },
	{ M_REAL, 2, "\x64\x49", "fs dec %cx" },
	{ M_REAL, 1, "\x45", "inc %bp" },
	{ M_REAL, 4, "\xf6\x36\x2d\x96", "divb -0x69d3" },
	{ M_REAL, 4, "\x0f\xb2\x75\x11", "lss 0x11(%di),%si" },
	{ M_REAL, 2, "\xe0\x62", "loopne 0x204" },
	{ M_REAL, 3, "\x08\x68\x53", "or %ch,0x53(%bx,%si)" },
	{ M_REAL, 6, "\xf0\xf0\xc8\x85\xaa\x0e", "lock lock enter $0xaa85,$0xe" },
	{ M_REAL, 2, "\x7a\xce", "jp 0x1d0" },
	{ M_REAL, 4, "\x0f\x40\x5e\xae", "cmovo -0x52(%bp),%bx" },
	{ M_REAL, 3, "\xf7\x70\xab", "divw -0x55(%bx,%si)" },
	{ M_REAL, 3, "\x0f\x4f\xcf", "cmovg %di,%cx" },
	{ M_REAL, 3, "\x64\xf3\x40", "fs repz inc %ax" },
	{ M_REAL, 1, "\x97", "xchg %ax,%di" },
	{ M_REAL, 4, "\x65\x0f\x53\xf4", "gs rcpps %xmm4,%xmm6" },
	{ M_REAL, 1, "\xf5", "cmc" },
	{ M_REAL, 3, "\x67\xe6\xb0", "addr32 out %al,$0xb0" },
	{ M_REAL, 2, "\x77\x77", "ja 0x3b9" },
	{ M_REAL, 1, "\x40", "inc %ax" },
	{ M_REAL, 1, "\x95", "xchg %ax,%bp" },
	{ M_REAL, 2, "\x64\x5c", "fs pop %sp" },
	{ M_REAL, 3, "\x05\x34\x8f", "add $0x8f34,%ax" },
	{ M_REAL, 4, "\x0f\x93\x62\x32", "setae 0x32(%bp,%si)" },
	{ M_REAL, 1, "\xee", "out %al,(%dx)" },
	{ M_REAL, 1, "\x1e", "push %ds" },
	{ M_REAL, 1, "\xfd", "std" },
	{ M_REAL, 3, "\x2e\x28\x12", "sub %dl,%cs:(%bp,%si)" },
	{ M_REAL, 5, "\x0f\xb3\x95\x86\xf9", "btr %dx,-0x67a(%di)" },
	{ M_REAL, 2, "\x20\x13", "and %dl,(%bp,%di)" },
	{ M_REAL, 5, "\x0f\xc4\x60\x7a\xa8", "pinsrw $0xa8,0x7a(%bx,%si),%mm4" },
	{ M_REAL, 2, "\x63\xf2", "arpl %si,%dx" },
	{ M_REAL, 1, "\x90", "nop" },
	{ M_REAL, 3, "\x0f\x95\x39", "setne (%bx,%di)" },
	{ M_REAL, 1, "\xfd", "std" },
	{ M_PROT32, 2, "\x64\x5d", "fs pop %ebp" },
	{ M_PROT32, 1, "\xfb", "sti" },
	{ M_PROT32, 3, "\xf3\xe1\x88", "repz loope 0xffffffcb" },
	{ M_PROT32, 3, "\x67\x0b\xee", "addr16 or %esi,%ebp" },
	{ M_PROT32, 4, "\x0f\xda\x78\x51", "pminub 0x51(%eax),%mm7" },
	{ M_PROT32, 2, "\xf6\x26", "mulb (%esi)" },
	{ M_PROT32, 2, "\xe3\x0f", "jecxz 0x111" },
	{ M_PROT32, 1, "\xcb", "lret" },
	{ M_PROT32, 6, "\x65\x2d\x1b\xe9\x6c\x09", "gs sub $0x96ce91b,%eax" },
	{ M_PROT32, 3, "\x36\x76\x82", "ss jbe 0xe5" },
	{ M_PROT32, 7, "\xf2\x0f\x8b\x01\x69\xe0\xcd", "bnd jnp 0xcde06a88" },
	{ M_PROT32, 2, "\x14\x5d", "adc $0x5d,%al" },
	{ M_PROT32, 2, "\xb0\x5c", "mov $0x5c,%al" },
	{ M_PROT32, 4, "\x67\x64\x7b\x03", "addr16 fs jnp 0x227" },
	{ M_PROT32, 5, "\x0f\xd4\x64\x67\x5d", "paddq 0x5d(%edi,%eiz,2),%mm4" },
	{ M_PROT32, 7, "\x0f\xc7\x9b\x34\xa9\x59\x7b", "xrstors 0x7b59a934(%ebx)" },
	{ M_PROT32, 2, "\x0f\xcd", "bswap %ebp" },
	{ M_PROT32, 2, "\x0c\x3a", "or $0x3a,%al" },
	{ M_PROT32, 3, "\x67\xe6\xc4", "addr16 out %al,$0xc4" },
	{ M_PROT32, 3, "\x3e\xcd\x5c", "ds int $0x5c" },
	{ M_PROT32, 2, "\x8c\xf9", "mov %?,%ecx" },
	{ M_PROT32, 4, "\x0f\xc3\x76\x1b", "movnti %esi,0x1b(%esi)" },
	{ M_PROT32, 2, "\x65\xa5", "movsl %gs:(%esi),%es:(%edi)" },
	{ M_PROT32, 3, "\xdc\x6d\xe3", "fsubrl -0x1d(%ebp)" },
	{ M_PROT32, 7, "\x0f\x99\x93\x76\xb6\xa6\xeb", "setns -0x1459498a(%ebx)" },
	{ M_PROT32, 3, "\x67\x30\xff", "addr16 xor %bh,%bh" },
	{ M_PROT32, 4, "\x18\x64\xba\xb0", "sbb %ah,-0x50(%edx,%edi,4)" },
	{ M_PROT32, 2, "\x18\x2e", "sbb %ch,(%esi)" },
	{ M_PROT32, 3, "\x26\xe3\x8f", "es jecxz 0x3b2" },
	{ M_PROT32, 3, "\x66\x0f\xca", "bswap %dx" },
	{ M_PROT32, 7, "\x0f\x45\x83\x50\x65\x48\x8b", "cmovne -0x74b79ab0(%ebx),%eax" },
	{ M_PROT32, 2, "\x77\x0e", "ja 0x4b0" },
	{ M_PROT32, 2, "\x30\xe4", "xor %ah,%ah" },
	{ M_PROT32, 4, "\x0f\x55\x4f\xe5", "andnps -0x1b(%edi),%xmm1" },
	{ M_PROT32, 2, "\xd4\xcc", "aam $0xcc" },
	{ M_PROT32, 5, "\xa3\xbe\x9a\x07\xfc", "mov %eax,0xfc079abe" },
	{ M_PROT32, 4, "\x0f\xd8\x5e\xf9", "psubusb -0x7(%esi),%mm3" },
	{ M_PROT32, 1, "\x17", "pop %ss" },
	{ M_PROT32, 5, "\x0f\x57\x54\x56\x0a", "xorps 0xa(%esi,%edx,2),%xmm2" },
	{ M_PROT32, 3, "\x0f\x57\x33", "xorps (%ebx),%xmm6" },
	{ M_LONG64, 1, "\x6e", "outsb %ds:(%rsi),(%dx)" },
	{ M_LONG64, 3, "\x4d\x33\xf6", "xor %r14,%r14" },
	{ M_LONG64, 3, "\x21\x5a\xe3", "and %ebx,-0x1d(%rdx)" },
	{ M_LONG64, 2, "\x44\xa7", "rex.R cmpsl %es:(%rdi),%ds:(%rsi)" },
	{ M_LONG64, 2, "\x0f\x0e", "femms" },
	{ M_LONG64, 3, "\x0f\xea\xe3", "pminsw %mm3,%mm4" },
	{ M_LONG64, 7, "\x44\x18\x81\x7e\x81\xde\x2e", "sbb %r8b,0x2ede817e(%rcx)" },
	{ M_LONG64, 3, "\xf0\x2b\xf0", "lock sub %eax,%esi" },
	{ M_LONG64, 3, "\x43\x0f\xa0", "rex.XB push %fs" },
	{ M_LONG64, 1, "\xa4", "movsb %ds:(%rsi),%es:(%rdi)" },
	{ M_LONG64, 4, "\x0f\x95\x6f\xed", "setne -0x13(%rdi)" },
	{ M_LONG64, 9, "\xf3\x36\xf3\x26\x0d\xc5\x1a\xc1\x20",
	  "repz ss repz es or $0x20c11ac5,%eax" },
	{ M_LONG64, 4, "\x4e\xc2\xfa\x5d", "rex.WRX ret $0x5dfa" },
	{ M_LONG64, 2, "\x4e\xed", "rex.WRX in (%dx),%eax" },
	{ M_LONG64, 9, "\xa0\x18\x42\x07\x6b\xad\xe6\x4d\xf4", "movabs 0xf44de6ad6b074218,%al" },
	{ M_LONG64, 2, "\x4d\xed", "rex.WRB in (%dx),%eax" },
	{ M_LONG64, 3, "\x0f\xb9\xd1", "ud1 %ecx,%edx" },
	{ M_LONG64, 3, "\x80\xcf\x9a", "or $0x9a,%bh" },
	{ M_LONG64, 2, "\x0f\xcc", "bswap %esp" },
	{ M_LONG64, 4, "\x4c\x1a\x78\x88", "rex.WR sbb -0x78(%rax),%r15b" },
	{ M_LONG64, 11, "\x67\x49\xbc\x33\xaa\x6e\xda\xe9\x6b\xa7\x16",
	  "addr32 movabs $0x16a76be9da6eaa33,%r12" },
	{ M_LONG64, 5, "\x0f\xc4\x72\xcc\xb8", "pinsrw $0xb8,-0x34(%rdx),%mm6" },
	{ M_LONG64, 5, "\x46\x0f\xc6\xea\x43", "rex.RX shufps $0x43,%xmm2,%xmm13" },
	{ M_LONG64, 3, "\x64\x3b\xf2", "fs cmp %edx,%esi" },
	{ M_LONG64, 6, "\x67\x66\x65\x0f\x22\x91", "addr32 data16 gs mov %rcx,%cr2" },
	{ M_LONG64, 1, "\x5a", "pop %rdx" },
	{ M_LONG64, 2, "\x26\x6c", "es insb (%dx),%es:(%rdi)" },
	{ M_LONG64, 4, "\x3e\x46\xf7\x22", "ds rex.RX mull (%rdx)" },
	{ M_LONG64, 9, "\x67\x4b\x0f\xe0\xa5\xe9\x2b\x7d\xc3",
	  "rex.WXB pavgb -0x3c82d417(%r13d),%mm4" },
	{ M_LONG64, 4, "\x67\xf3\x4b\xcc", "addr32 repz rex.WXB int3" },
	{ M_LONG64, 3, "\x0f\x18\x2b", "nopl (%rbx)" },
	{ M_LONG64, 8, "\x2e\x4f\x39\x9a\xe9\x7d\x32\x8a",
	  "cs rex.WRXB cmp %r11,-0x75cd8217(%r10)" },
	{ M_LONG64, 3, "\x4b\x0c\x8f", "rex.WXB or $0x8f,%al" },
	{ M_LONG64, 9, "\x65\xf0\x65\x64\x48\x0f\x4a\x68\xae",
	  "gs lock gs cmovp %fs:-0x52(%rax),%rbp" },
	{ M_LONG64, 1, "\xd7", "xlat %ds:(%rbx)" },
	{ M_LONG64, 5, "\x3e\x0f\x47\x55\xb2", "ds cmova -0x4e(%rbp),%edx" },
	{ M_LONG64, 2, "\x46\xef", "rex.RX out %eax,(%dx)" },
	{ M_LONG64, 4, "\x0f\xbf\x0c\x8e", "movswl (%rsi,%rcx,4),%ecx" },
	{ M_LONG64, 4, "\xf0\x4d\x72\xf5", "lock rex.WRB jb 0x639" },
	{ M_LONG64, 3, "\x45\xe7\xa4", "rex.RB out %eax,$0xa4" },
};

static const char *mode_name(enum x86_mode m)
{
	static const char * const names[] = { "real", "prot16", "prot32", "long64" };

	return m <= X86_MODE_LONG64 ? names[m] : "?";
}

/* Lengths of the whole table, per mode; plus -EAGAIN for every prefix. */
static void test_len_table(enum x86_mode mode)
{
	unsigned int i, k, n = 0, bad = 0, trunc_bad = 0;
	enum x86_mode tmode = mode == M_PROT16 ? M_REAL : mode;
	struct x86_insn insn;
	u8 buf[32];
	int r;

	for (i = 0; i < ARRAY_SIZE(len_cases); i++) {
		const struct len_case *c = &len_cases[i];

		if (c->mode != tmode)
			continue;
		n++;
		/* trailing garbage must not change anything */
		memset(buf, 0xcc, sizeof(buf));
		memcpy(buf, c->bytes, c->len);
		r = x86_decode(buf, sizeof(buf), mode, &insn);
		if (r || insn.len != c->len) {
			printf("# %s: %s: r=%d len=%u want %u\n", mode_name(mode),
			       c->text, r, insn.len, c->len);
			bad++;
			continue;
		}
		r = x86_decode((const u8 *)c->bytes, c->len, mode, &insn);
		if (r || insn.len != c->len) {
			printf("# %s: %s: exact avail r=%d\n", mode_name(mode), c->text, r);
			bad++;
		}
		for (k = 0; k < c->len; k++) {
			r = x86_decode((const u8 *)c->bytes, k, mode, &insn);
			if (r != -EAGAIN) {
				printf("# %s: %s: avail %u gave %d, want -EAGAIN\n",
				       mode_name(mode), c->text, k, r);
				trunc_bad++;
			}
		}
	}
	ktap_result(!bad && n > 0, "lengths %s: %u encodings match objdump", mode_name(mode), n);
	ktap_result(!trunc_bad && n > 0, "truncated %s: every short prefix gives -EAGAIN",
		    mode_name(mode));
}

/* ---- field decoding ---------------------------------------------------- */

static int dec(enum x86_mode mode, const char *bytes, unsigned int len, struct x86_insn *insn)
{
	return x86_decode((const u8 *)bytes, len, mode, insn);
}

#define NR_FIELD_TESTS 17

static void test_fields(void)
{
	struct x86_insn in;
	int ok;

	/* mov rax, [rip+0x12345678] */
	ok = !dec(M_LONG64, "\x48\x8b\x05\x78\x56\x34\x12", 7, &in) &&
	     KTAP_EXPECT(in.len == 7) && KTAP_EXPECT(in.rex == 0x48) &&
	     KTAP_EXPECT(in.op_size == 64) && KTAP_EXPECT(in.addr_size == 64) &&
	     KTAP_EXPECT(in.rip_rel) && KTAP_EXPECT(in.disp == 0x12345678) &&
	     KTAP_EXPECT(in.disp_size == 4) && KTAP_EXPECT(in.has_modrm) &&
	     KTAP_EXPECT(!in.has_sib) && KTAP_EXPECT(in.opcode == 0x8b) &&
	     KTAP_EXPECT(in.opcode_map == X86_MAP_ONEBYTE) &&
	     KTAP_EXPECT(x86_modrm_is_mem(&in));
	ktap_result(ok, "fields: rip-relative mov, REX.W");

	/* mov eax, [ebp-8] in 32-bit: not RIP relative, disp8 sign-extended */
	ok = !dec(M_PROT32, "\x8b\x45\xf8", 3, &in) && KTAP_EXPECT(in.len == 3) &&
	     KTAP_EXPECT(!in.rip_rel) && KTAP_EXPECT(in.disp == -8) &&
	     KTAP_EXPECT(in.disp_size == 1) && KTAP_EXPECT(in.op_size == 32);
	ktap_result(ok, "fields: disp8 sign extension");

	/* 32-bit mode: disp32 absolute (mod=0 rm=5) is not RIP relative */
	ok = !dec(M_PROT32, "\x8b\x05\x00\x10\x00\x00", 6, &in) && KTAP_EXPECT(!in.rip_rel) &&
	     KTAP_EXPECT(in.disp == 0x1000);
	ktap_result(ok, "fields: 32-bit disp32 absolute");

	/* SIB with no base: mov ecx, [rax*2+0x1000] */
	ok = !dec(M_LONG64, "\x8b\x0c\x45\x00\x10\x00\x00", 7, &in) && KTAP_EXPECT(in.has_sib) &&
	     KTAP_EXPECT(in.sib == 0x45) && KTAP_EXPECT(in.disp_size == 4) &&
	     KTAP_EXPECT(!in.rip_rel);
	ktap_result(ok, "fields: SIB without base");

	/* prefixes: f3 66 2e f0 ... and REX.R/B */
	ok = !dec(M_LONG64, "\x64\xf2\xf3\xf0\x45\x01\xc8", 7, &in) &&
	     KTAP_EXPECT(in.seg_override == X86_SEG_FS) && KTAP_EXPECT(in.rep) &&
	     KTAP_EXPECT(!in.repne) && KTAP_EXPECT(in.lock) && KTAP_EXPECT(in.nr_prefixes == 5) &&
	     KTAP_EXPECT(in.modrm_reg == 9) && KTAP_EXPECT(in.modrm_rm == 8) &&
	     KTAP_EXPECT(!x86_modrm_is_mem(&in));
	ktap_result(ok, "fields: prefixes, last of F2/F3 wins, REX.R/REX.B");

	ok = !dec(M_PROT32, "\x26\x8b\x00", 3, &in) && KTAP_EXPECT(in.seg_override == X86_SEG_ES) &&
	     !dec(M_PROT32, "\x2e\x8b\x00", 3, &in) && KTAP_EXPECT(in.seg_override == X86_SEG_CS) &&
	     !dec(M_PROT32, "\x36\x8b\x00", 3, &in) && KTAP_EXPECT(in.seg_override == X86_SEG_SS) &&
	     !dec(M_PROT32, "\x3e\x8b\x00", 3, &in) && KTAP_EXPECT(in.seg_override == X86_SEG_DS) &&
	     !dec(M_PROT32, "\x65\x8b\x00", 3, &in) && KTAP_EXPECT(in.seg_override == X86_SEG_GS) &&
	     !dec(M_PROT32, "\x8b\x00", 2, &in) && KTAP_EXPECT(in.seg_override == X86_SEG_NONE);
	ktap_result(ok, "fields: segment overrides");

	/* REX followed by a legacy prefix is ignored: 48 66 89 00 is mov [rax],ax */
	ok = !dec(M_LONG64, "\x48\x66\x89\x00", 4, &in) && KTAP_EXPECT(in.rex == 0) &&
	     KTAP_EXPECT(in.op_size == 16) &&
	     !dec(M_LONG64, "\x66\x48\x89\x00", 4, &in) && KTAP_EXPECT(in.rex == 0x48) &&
	     KTAP_EXPECT(in.op_size == 64) &&
	     !dec(M_LONG64, "\x48\x66\xb8\x34\x12", 5, &in) && KTAP_EXPECT(in.len == 5) &&
	     !dec(M_LONG64, "\x66\x48\xb8\x01\x02\x03\x04\x05\x06\x07\x08", 11, &in) &&
	     KTAP_EXPECT(in.len == 11) && KTAP_EXPECT(in.imm == 0x0807060504030201ULL);
	ktap_result(ok, "fields: REX only counts right before the opcode");

	/* two REX: the last one is used */
	ok = !dec(M_LONG64, "\x41\x48\x89\x00", 4, &in) && KTAP_EXPECT(in.rex == 0x48) &&
	     KTAP_EXPECT(in.modrm_rm == 0) && KTAP_EXPECT(in.len == 4);
	ktap_result(ok, "fields: repeated REX, last wins");

	/* 40-4F are INC/DEC outside 64-bit mode */
	ok = !dec(M_PROT32, "\x48\x89\x00", 3, &in) && KTAP_EXPECT(in.len == 1) &&
	     KTAP_EXPECT(in.opcode == 0x48) && KTAP_EXPECT(in.rex == 0) &&
	     !dec(M_REAL, "\x40", 1, &in) && KTAP_EXPECT(in.len == 1) &&
	     dec(M_LONG64, "\x40", 1, &in) == -EAGAIN;
	ktap_result(ok, "fields: 40-4F are INC/DEC outside long mode");

	/* far pointers and ENTER */
	ok = !dec(M_PROT32, "\x9a\x78\x56\x34\x12\x10\x00", 7, &in) &&
	     KTAP_EXPECT(in.imm == 0x12345678) && KTAP_EXPECT(in.imm2 == 0x10) &&
	     KTAP_EXPECT(in.len == 7) &&
	     !dec(M_REAL, "\xea\x34\x12\x00\x10", 5, &in) && KTAP_EXPECT(in.imm == 0x1234) &&
	     KTAP_EXPECT(in.imm2 == 0x1000) && KTAP_EXPECT(in.len == 5) &&
	     !dec(M_REAL, "\x66\xea\x78\x56\x34\x12\x10\x00", 8, &in) && KTAP_EXPECT(in.len == 8) &&
	     !dec(M_LONG64, "\xc8\x00\x01\x02", 4, &in) && KTAP_EXPECT(in.imm == 0x100) &&
	     KTAP_EXPECT(in.imm2 == 2) && KTAP_EXPECT(in.len == 4);
	ktap_result(ok, "fields: far ptr and ENTER immediates");

	/* moffs: 8 bytes in long mode, 4 with 67; 2 in real mode, 4 with 67 */
	ok = !dec(M_LONG64, "\xa1\x88\x77\x66\x55\x44\x33\x22\x11", 9, &in) &&
	     KTAP_EXPECT(in.moffs) &&
	     KTAP_EXPECT((u64)in.disp == 0x1122334455667788ULL) && KTAP_EXPECT(in.disp_size == 8) &&
	     !dec(M_LONG64, "\x67\xa1\x00\x00\x00\x80", 6, &in) &&
	     KTAP_EXPECT((u64)in.disp == 0x80000000ULL) && KTAP_EXPECT(in.len == 6) &&
	     !dec(M_REAL, "\xa0\x34\x12", 3, &in) && KTAP_EXPECT(in.disp == 0x1234) &&
	     !dec(M_REAL, "\x67\xa0\x78\x56\x34\x12", 6, &in) && KTAP_EXPECT(in.len == 6) &&
	     !dec(M_PROT32, "\x67\xa0\x34\x12", 4, &in) && KTAP_EXPECT(in.len == 4);
	ktap_result(ok, "fields: moffs sizes follow the address size");

	/* F6/F7: only /0 and /1 have an immediate */
	ok = !dec(M_LONG64, "\xf6\x00\x80", 3, &in) && KTAP_EXPECT(in.len == 3) &&
	     !dec(M_LONG64, "\xf6\x08\x80", 3, &in) && KTAP_EXPECT(in.len == 3) &&
	     !dec(M_LONG64, "\xf6\x10", 2, &in) && KTAP_EXPECT(in.len == 2) &&
	     !dec(M_LONG64, "\xf7\x38", 2, &in) && KTAP_EXPECT(in.len == 2) &&
	     !dec(M_LONG64, "\xf7\x00\x01\x00\x00\x00", 6, &in) && KTAP_EXPECT(in.len == 6) &&
	     !dec(M_LONG64, "\x66\xf7\x00\x01\x00", 5, &in) && KTAP_EXPECT(in.len == 5) &&
	     !dec(M_LONG64, "\x48\xf7\xc0\x01\x00\x00\x00", 7, &in) && KTAP_EXPECT(in.len == 7) &&
	     !dec(M_REAL, "\xf7\x07\x34\x12", 4, &in) && KTAP_EXPECT(in.len == 4);
	ktap_result(ok, "fields: F6/F7 TEST immediates");

	/* 16-bit addressing: mod=0 rm=6 is disp16, [bp] needs mod=1 */
	ok = !dec(M_REAL, "\x8b\x06\x34\x12", 4, &in) && KTAP_EXPECT(in.disp == 0x1234) &&
	     KTAP_EXPECT(in.len == 4) && KTAP_EXPECT(!in.has_sib) &&
	     !dec(M_PROT16, "\x8b\x04", 2, &in) && KTAP_EXPECT(in.len == 2) &&
	     !dec(M_PROT16, "\x8b\x84\x00\x80", 4, &in) && KTAP_EXPECT(in.disp == -0x8000) &&
	     !dec(M_PROT32, "\x67\x8b\x06\x34\x12", 5, &in) && KTAP_EXPECT(in.len == 5) &&
	     KTAP_EXPECT(in.addr_size == 16) && KTAP_EXPECT(in.op_size == 32);
	ktap_result(ok, "fields: 16-bit addressing forms");

	/* MOV CR/DR ignore mod: no displacement even with mod=0 rm=5 */
	ok = !dec(M_LONG64, "\x0f\x20\x05", 3, &in) && KTAP_EXPECT(in.len == 3) &&
	     KTAP_EXPECT(!x86_modrm_is_mem(&in)) &&
	     !dec(M_PROT32, "\x0f\x22\x04", 3, &in) && KTAP_EXPECT(in.len == 3) &&
	     KTAP_EXPECT(!in.has_sib);
	ktap_result(ok, "fields: MOV CR/DR have no memory operand");

	/* 0F38 / 0F3A maps */
	ok = !dec(M_LONG64, "\x66\x0f\x38\x00\x04\x24", 6, &in) && KTAP_EXPECT(in.len == 6) &&
	     KTAP_EXPECT(in.opcode_map == X86_MAP_0F38) && KTAP_EXPECT(in.opcode == 0x00) &&
	     !dec(M_LONG64, "\x66\x0f\x3a\x0f\x40\x10\x04", 7, &in) && KTAP_EXPECT(in.len == 7) &&
	     KTAP_EXPECT(in.opcode_map == X86_MAP_0F3A) && KTAP_EXPECT(in.imm == 4) &&
	     !dec(M_PROT32, "\x0f\x38\xf0\x00", 4, &in) && KTAP_EXPECT(in.len == 4);
	ktap_result(ok, "fields: 0F38 and 0F3A maps");

	/* near branches: rel16 with 66, rel32 otherwise */
	ok = !dec(M_PROT32, "\x66\xe8\x00\x10", 4, &in) && KTAP_EXPECT(in.len == 4) &&
	     !dec(M_REAL, "\x0f\x84\x00\x10", 4, &in) && KTAP_EXPECT(in.len == 4) &&
	     !dec(M_REAL, "\x66\x0f\x84\x00\x10\x00\x00", 7, &in) && KTAP_EXPECT(in.len == 7) &&
	     !dec(M_LONG64, "\xe9\x00\x10\x00\x00", 5, &in) && KTAP_EXPECT(in.len == 5) &&
	     KTAP_EXPECT(in.op_size == 64) &&
	     /* AMD semantics (objdump agrees): 66 selects rel16 in long mode */
	     !dec(M_LONG64, "\x66\xe9\x00\x10", 4, &in) && KTAP_EXPECT(in.len == 4) &&
	     KTAP_EXPECT(in.op_size == 16) &&
	     !dec(M_LONG64, "\x66\x0f\x85\x00\x10", 5, &in) && KTAP_EXPECT(in.len == 5);
	ktap_result(ok, "fields: near branch displacement sizes");

	/* push imm in long mode: imm32 (imm16 with 66) */
	ok = !dec(M_LONG64, "\x68\x78\x56\x34\x12", 5, &in) && KTAP_EXPECT(in.op_size == 64) &&
	     KTAP_EXPECT(in.len == 5) &&
	     !dec(M_LONG64, "\x66\x68\x34\x12", 4, &in) && KTAP_EXPECT(in.op_size == 16) &&
	     KTAP_EXPECT(in.len == 4);
	ktap_result(ok, "fields: PUSH imm operand sizes in long mode");
}

/* ---- invalid and over-long encodings ----------------------------------- */

struct inval_case {
	enum x86_mode mode;
	unsigned int len;
	const char *bytes;
	const char *what;
};

static const struct inval_case inval_cases[] = {
	{ M_LONG64, 1, "\x06", "push es in 64-bit mode" },
	{ M_LONG64, 1, "\x1f", "pop ds in 64-bit mode" },
	{ M_LONG64, 1, "\x27", "daa in 64-bit mode" },
	{ M_LONG64, 1, "\x60", "pusha in 64-bit mode" },
	{ M_LONG64, 3, "\x82\xc0\x01", "82 in 64-bit mode" },
	{ M_LONG64, 7, "\x9a\x00\x00\x00\x00\x10\x00", "call far ptr in 64-bit mode" },
	{ M_LONG64, 7, "\xea\x00\x00\x00\x00\x10\x00", "jmp far ptr in 64-bit mode" },
	{ M_LONG64, 2, "\xd4\x0a", "aam in 64-bit mode" },
	{ M_LONG64, 1, "\xce", "into in 64-bit mode" },
	{ M_LONG64, 4, "\xc5\xf8\x77\x90", "VEX vzeroupper" },
	{ M_LONG64, 5, "\xc4\xe2\x79\x00\xc1", "VEX3 vpshufb" },
	{ M_LONG64, 6, "\x62\xf1\x7c\x48\x10\xc1", "EVEX" },
	{ M_PROT32, 4, "\xc5\xf8\x77\x90", "VEX in 32-bit mode (mod=3)" },
	{ M_PROT32, 6, "\x62\xf1\x7c\x48\x10\xc1", "EVEX in 32-bit mode" },
	{ M_PROT32, 5, "\x8f\xe8\x78\xc2\xc1", "XOP" },
	{ M_PROT32, 2, "\x0f\x04", "0F 04" },
	{ M_PROT32, 2, "\x0f\x0a", "0F 0A" },
	{ M_PROT32, 3, "\x0f\x24\xc0", "0F 24" },
	{ M_LONG64, 2, "\x0f\x36", "0F 36" },
	{ M_LONG64, 2, "\x0f\x3b", "0F 3B" },
	{ M_LONG64, 3, "\x0f\x7a\x00", "0F 7A" },
	{ M_LONG64, 3, "\x0f\xa6\x00", "0F A6" },
	{ M_LONG64, 2, "\x8d\xc0", "lea with register operand" },
	{ M_LONG64, 3, "\xc6\x08\x00", "C6 /1" },
	{ M_LONG64, 6, "\xc7\x10\x00\x00\x00\x00", "C7 /2" },
	{ M_LONG64, 2, "\xfe\x10", "FE /2" },
	{ M_LONG64, 2, "\xff\x38", "FF /7" },
	{ M_LONG64, 2, "\xff\xd8", "FF /3 with register" },
	{ M_LONG64, 16, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x0f\xa2",
	  "16-byte cpuid" },
	{ M_PROT32, 16, "\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x90",
	  "16-byte nop" },
	/* 7 prefixes + C7 84 SIB disp32 imm32 = 16 bytes; -EINVAL even if truncated */
	{ M_LONG64, 12, "\x66\x66\x66\x66\x66\x66\x66\xc7\x84\x00\x00\x00", "16-byte mov imm" },
	{ M_LONG64, 12, "\x26\x2e\x36\x3e\x64\x65\x40\x48\xb8\x00\x00\x00",
	  "17-byte mov imm64" },
};

static void test_invalid(void)
{
	struct x86_insn in;
	unsigned int i;
	int r, ok;

	for (i = 0; i < ARRAY_SIZE(inval_cases); i++) {
		const struct inval_case *c = &inval_cases[i];

		r = dec(c->mode, c->bytes, c->len, &in);
		ktap_result(r == -EINVAL, "invalid: %s (%s) -> %d", c->what,
			    mode_name(c->mode), r);
	}

	/* exactly 15 bytes is fine */
	ok = !dec(M_LONG64, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x0f\xa2", 15,
		  &in) && KTAP_EXPECT(in.len == 15) &&
	     !dec(M_LONG64, "\x26\x2e\x36\x64\x65\x48\xb8\x00\x00\x00\x00\x00\x00\x00\x00", 15,
		  &in) && KTAP_EXPECT(in.len == 15);
	ktap_result(ok, "15-byte instructions decode");

	/* the same opcode bytes are valid outside 64-bit mode */
	ok = !dec(M_PROT32, "\x06", 1, &in) && !dec(M_PROT32, "\xc5\x06", 2, &in) &&
	     KTAP_EXPECT(in.len == 2) && !dec(M_PROT32, "\x62\x00", 2, &in) &&
	     !dec(M_PROT32, "\x8f\x00", 2, &in) && !dec(M_REAL, "\xd4\x0a", 2, &in);
	ktap_result(ok, "legacy-only opcodes decode outside long mode");

	ok = dec(M_LONG64, "", 0, &in) == -EAGAIN &&
	     dec(M_LONG64, "\x66\x67\xf3", 3, &in) == -EAGAIN &&
	     dec(M_LONG64, "\x0f", 1, &in) == -EAGAIN &&
	     dec(M_LONG64, "\x0f\x38", 2, &in) == -EAGAIN &&
	     dec(M_LONG64, "\x8b\x04", 2, &in) == -EAGAIN &&
	     dec(M_LONG64, "\x48\xb8\x00\x00\x00\x00\x00\x00\x00", 9, &in) == -EAGAIN;
	ktap_result(ok, "-EAGAIN for truncated prefixes, escapes, SIB, imm64");
}

/* ---- memory operands ----------------------------------------------------- */

#define MOFFS -1

/*
 * Instructions with one memory operand, as the MMIO path sees them (their
 * execution is tested in test_x86_emul.c): length, the memory operand
 * (ModRM or moffs), the ModRM reg field with REX.R, and the immediate.
 */
struct mem_case {
	enum x86_mode mode;
	unsigned int len;
	const char *bytes;
	const char *text;
	int reg;		/* modrm_reg, MOFFS: A0-A3 without ModRM */
	u8 imm_size;
	u64 imm;
};

static const struct mem_case mem_cases[] = {
	/* 64-bit */
	{ M_LONG64, 2, "\x88\x00", "mov [rax],al", 0, 0, 0 },
	{ M_LONG64, 2, "\x88\x20", "mov [rax],ah", 4, 0, 0 },
	{ M_LONG64, 2, "\x88\x38", "mov [rax],bh", 7, 0, 0 },
	{ M_LONG64, 3, "\x40\x88\x30", "mov [rax],sil", 6, 0, 0 },
	{ M_LONG64, 3, "\x40\x88\x20", "mov [rax],spl", 4, 0, 0 },
	{ M_LONG64, 5, "\x46\x88\x4c\x80\x10", "mov [rax+r8*4+0x10],r9b", 9, 0, 0 },
	{ M_LONG64, 4, "\x4c\x89\x3c\x24", "mov [rsp],r15", 15, 0, 0 },
	{ M_LONG64, 3, "\x89\x45\x00", "mov [rbp+0],eax", 0, 0, 0 },
	{ M_LONG64, 8, "\x66\x89\x94\xcb\xff\xff\xff\x7f", "mov [rbx+rcx*8+0x7fffffff],dx",
	  2, 0, 0 },
	{ M_LONG64, 2, "\x8a\x0f", "mov cl,[rdi]", 1, 0, 0 },
	{ M_LONG64, 2, "\x8a\x3f", "mov bh,[rdi]", 7, 0, 0 },
	{ M_LONG64, 3, "\x40\x8a\x3f", "mov dil,[rdi]", 7, 0, 0 },
	{ M_LONG64, 4, "\x44\x8a\x57\x01", "mov r10b,[rdi+1]", 10, 0, 0 },
	{ M_LONG64, 3, "\x44\x8a\x38", "mov r15b,[rax]", 15, 0, 0 },
	{ M_LONG64, 7, "\x44\x8b\x9e\x80\x00\x00\x00", "mov r11d,[rsi+0x80]", 11, 0, 0 },
	{ M_LONG64, 4, "\x4c\x8b\x62\x80", "mov r12,[rdx-0x80]", 12, 0, 0 },
	{ M_LONG64, 3, "\x66\x8b\x01", "mov ax,[rcx]", 0, 0, 0 },
	{ M_LONG64, 7, "\x48\x8b\x05\x78\x56\x34\x12", "mov rax,[rip+0x12345678]", 0, 0, 0 },
	{ M_LONG64, 3, "\x0f\xb6\x00", "movzx eax,byte [rax]", 0, 0, 0 },
	{ M_LONG64, 4, "\x48\x0f\xb6\x00", "movzx rax,byte [rax]", 0, 0, 0 },
	{ M_LONG64, 4, "\x4c\x0f\xb7\x00", "movzx r8,word [rax]", 8, 0, 0 },
	{ M_LONG64, 4, "\x66\x0f\xb6\x00", "movzx ax,byte [rax]", 0, 0, 0 },
	{ M_LONG64, 4, "\x40\x0f\xb6\x30", "movzx esi,byte [rax] (REX)", 6, 0, 0 },
	{ M_LONG64, 5, "\x48\x0f\xbe\x4a\x04", "movsx rcx,byte [rdx+4]", 1, 0, 0 },
	{ M_LONG64, 3, "\x0f\xbf\x12", "movsx edx,word [rdx]", 2, 0, 0 },
	{ M_LONG64, 4, "\x48\x0f\xbf\x12", "movsx rdx,word [rdx]", 2, 0, 0 },
	{ M_LONG64, 4, "\x66\x0f\xbe\x00", "movsx ax,byte [rax]", 0, 0, 0 },
	{ M_LONG64, 5, "\x66\x45\x0f\xbe\x37", "movsx r14w,byte [r15]", 14, 0, 0 },
	{ M_LONG64, 4, "\x48\x63\x58\x04", "movsxd rbx,[rax+4]", 3, 0, 0 },
	{ M_LONG64, 3, "\x63\x58\x04", "movsxd ebx,[rax+4]", 3, 0, 0 },
	{ M_LONG64, 3, "\x0f\xc3\x18", "movnti [rax],ebx", 3, 0, 0 },
	{ M_LONG64, 4, "\x4d\x0f\xc3\x08", "movnti [r8],r9", 9, 0, 0 },
	{ M_LONG64, 9, "\xa0\x88\x77\x66\x55\x44\x33\x22\x11", "movabs al,[moffs64]",
	  MOFFS, 0, 0 },
	{ M_LONG64, 9, "\xa1\x88\x77\x66\x55\x44\x33\x22\x11", "movabs eax,[moffs64]",
	  MOFFS, 0, 0 },
	{ M_LONG64, 10, "\x48\xa3\x88\x77\x66\x55\x44\x33\x22\x11", "movabs [moffs64],rax",
	  MOFFS, 0, 0 },
	{ M_LONG64, 10, "\x66\xa3\x88\x77\x66\x55\x44\x33\x22\x11", "movabs [moffs64],ax",
	  MOFFS, 0, 0 },
	{ M_LONG64, 6, "\x67\xa2\x00\x10\x00\x00", "addr32 mov [moffs32],al", MOFFS, 0, 0 },
	{ M_LONG64, 10, "\xc7\x05\x00\x01\x00\x00\x78\x56\x34\x12", "mov dword [rip+0x100],imm",
	  0, 4, 0x12345678 },
	{ M_LONG64, 11, "\x48\xc7\x05\x00\x01\x00\x00\xff\xff\xff\xff", "mov qword [rip+0x100],-1",
	  0, 4, 0xffffffff },
	{ M_LONG64, 7, "\x48\xc7\x00\x00\x00\x00\x80", "mov qword [rax],0x80000000 (imm32)",
	  0, 4, 0x80000000 },
	{ M_LONG64, 6, "\xc7\x00\xff\xff\xff\xff", "mov dword [rax],-1", 0, 4, 0xffffffff },
	{ M_LONG64, 7, "\xc6\x05\x10\x00\x00\x00\x7f", "mov byte [rip+0x10],0x7f", 0, 1, 0x7f },
	{ M_LONG64, 5, "\x66\xc7\x00\x34\x12", "mov word [rax],0x1234", 0, 2, 0x1234 },
	{ M_LONG64, 6, "\x67\xc6\x44\x8b\x10\x12", "mov byte [ebx+ecx*4+0x10],0x12",
	  0, 1, 0x12 },
	{ M_LONG64, 9, "\x64\x48\x89\x04\x25\x28\x00\x00\x00", "mov fs:[0x28],rax", 0, 0, 0 },
	{ M_LONG64, 9, "\x65\x48\x8b\x04\x25\x00\x00\x00\x00", "mov rax,gs:[0]", 0, 0, 0 },
	{ M_LONG64, 3, "\xf3\x88\x00", "xrelease mov [rax],al", 0, 0, 0 },
	/* 32-bit */
	{ M_PROT32, 2, "\x88\x27", "mov [edi],ah", 4, 0, 0 },
	{ M_PROT32, 2, "\x88\x1f", "mov [edi],bl", 3, 0, 0 },
	{ M_PROT32, 2, "\x88\x30", "mov [eax],dh", 6, 0, 0 },
	{ M_PROT32, 2, "\x8a\x36", "mov dh,[esi]", 6, 0, 0 },
	{ M_PROT32, 3, "\x66\x8b\x06", "mov ax,[esi]", 0, 0, 0 },
	{ M_PROT32, 2, "\x89\x23", "mov [ebx],esp", 4, 0, 0 },
	{ M_PROT32, 4, "\x66\x0f\xb6\x08", "movzx cx,byte [eax]", 1, 0, 0 },
	{ M_PROT32, 3, "\x0f\xbf\x28", "movsx ebp,word [eax]", 5, 0, 0 },
	{ M_PROT32, 5, "\xa0\x78\x56\x34\x12", "mov al,[moffs32]", MOFFS, 0, 0 },
	{ M_PROT32, 6, "\x66\xa3\x78\x56\x34\x12", "mov [moffs32],ax", MOFFS, 0, 0 },
	{ M_PROT32, 6, "\xc7\x00\x78\x56\x34\x12", "mov dword [eax],imm", 0, 4, 0x12345678 },
	{ M_PROT32, 6, "\x66\xc7\x40\x04\x34\x12", "mov word [eax+4],imm", 0, 2, 0x1234 },
	{ M_PROT32, 3, "\x67\x8b\x07", "mov eax,[bx]", 0, 0, 0 },
	{ M_PROT32, 3, "\x0f\xc3\x3a", "movnti [edx],edi", 7, 0, 0 },
	{ M_PROT32, 7, "\x64\xc7\x00\x01\x00\x00\x00", "mov dword fs:[eax],1", 0, 4, 1 },
	/* 16-bit */
	{ M_REAL, 2, "\x8b\x07", "mov ax,[bx]", 0, 0, 0 },
	{ M_REAL, 2, "\x89\x07", "mov [bx],ax", 0, 0, 0 },
	{ M_REAL, 3, "\x66\x8b\x07", "mov eax,[bx]", 0, 0, 0 },
	{ M_REAL, 3, "\xc6\x07\x12", "mov byte [bx],0x12", 0, 1, 0x12 },
	{ M_REAL, 4, "\xc7\x00\x34\x12", "mov word [bx+si],0x1234", 0, 2, 0x1234 },
	{ M_PROT16, 7, "\x66\xc7\x07\x78\x56\x34\x12", "mov dword [bx],imm", 0, 4, 0x12345678 },
	{ M_REAL, 2, "\x88\x25", "mov [di],ah", 4, 0, 0 },
	{ M_REAL, 2, "\x8a\x2f", "mov ch,[bx]", 5, 0, 0 },
	{ M_REAL, 3, "\x0f\xb6\x07", "movzx ax,byte [bx]", 0, 0, 0 },
	{ M_REAL, 3, "\x0f\xbe\x07", "movsx ax,byte [bx]", 0, 0, 0 },
	{ M_PROT16, 4, "\x66\x0f\xb7\x07", "movzx eax,word [bx]", 0, 0, 0 },
	{ M_REAL, 3, "\xa1\x34\x12", "mov ax,[moffs16]", MOFFS, 0, 0 },
	{ M_REAL, 6, "\x67\xa0\x78\x56\x34\x12", "mov al,[moffs32]", MOFFS, 0, 0 },
	{ M_REAL, 4, "\x66\xa1\x34\x12", "mov eax,[moffs16]", MOFFS, 0, 0 },
	{ M_REAL, 3, "\x26\x89\x05", "mov es:[di],ax", 0, 0, 0 },
	{ M_REAL, 3, "\x8b\x46\xfe", "mov ax,[bp-2]", 0, 0, 0 },
};

/* Register forms and MOV CR have no memory operand. */
static const struct len_case nomem_cases[] = {
	{ M_LONG64, 2, "\x89\xc0", "mov eax,eax" },
	{ M_LONG64, 2, "\x8a\xc4", "mov al,ah" },
	{ M_LONG64, 6, "\xc7\xc0\x01\x00\x00\x00", "mov eax,1 (c7 /0)" },
	{ M_LONG64, 5, "\xb8\x01\x00\x00\x00", "mov eax,1 (b8)" },
	{ M_LONG64, 3, "\x0f\xb6\xc0", "movzx eax,al" },
	{ M_LONG64, 3, "\x0f\xc3\xc0", "movnti register form" },
	{ M_LONG64, 3, "\x0f\x20\x00", "mov rax,cr0 (mod 0)" },
	{ M_LONG64, 1, "\xa4", "movsb" },
	{ M_LONG64, 2, "\x0f\xa2", "cpuid" },
};

static void test_mem_operands(void)
{
	struct x86_insn in;
	unsigned int i;
	int r, ok;

	for (i = 0; i < ARRAY_SIZE(mem_cases); i++) {
		const struct mem_case *c = &mem_cases[i];
		u8 buf[16];

		/* trailing bytes must not be taken */
		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, c->bytes, c->len);
		r = x86_decode(buf, sizeof(buf), c->mode, &in);
		ok = KTAP_EXPECT(r == 0) && KTAP_EXPECT(in.len == c->len) &&
		     KTAP_EXPECT(in.imm_size == c->imm_size) && KTAP_EXPECT(in.imm == c->imm);
		if (ok && c->reg == MOFFS)
			ok = KTAP_EXPECT(in.moffs) && KTAP_EXPECT(!in.has_modrm);
		else if (ok)
			ok = KTAP_EXPECT(!in.moffs) && KTAP_EXPECT(x86_modrm_is_mem(&in)) &&
			     KTAP_EXPECT(in.modrm_reg == c->reg);
		ktap_result(ok, "memory operand %s: %s", mode_name(c->mode), c->text);
	}

	ok = 1;
	for (i = 0; i < ARRAY_SIZE(nomem_cases); i++) {
		const struct len_case *c = &nomem_cases[i];

		r = dec(c->mode, c->bytes, c->len, &in);
		if (r || in.len != c->len || in.moffs || x86_modrm_is_mem(&in)) {
			printf("# %s: r=%d len=%u moffs=%d mem=%d\n", c->text, r, in.len,
			       in.moffs, x86_modrm_is_mem(&in));
			ok = 0;
		}
	}
	ktap_result(ok, "memory operand: %zu forms without one", ARRAY_SIZE(nomem_cases));
}

int main(void)
{
	/* 4 modes x 2, fields, invalid + 3, memory operands + 1 */
	int planned = 8 + NR_FIELD_TESTS + ARRAY_SIZE(inval_cases) + 3 +
		      ARRAY_SIZE(mem_cases) + 1;

	ktap_begin("x86_decode", planned);
	test_len_table(M_REAL);
	test_len_table(M_PROT16);
	test_len_table(M_PROT32);
	test_len_table(M_LONG64);
	test_fields();
	test_invalid();
	test_mem_operands();
	return ktap_end();
}
