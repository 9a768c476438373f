/*
 * Test-only stand-in for bcryptprimitives.dll, which Wine 8 lacks and Go's
 * Windows runtime loads for ProcessPrng. It forwards to RtlGenRandom
 * (advapi32!SystemFunction036), which Wine has. Built with mingw-w64 by the
 * Wine smoke test into its own WINEPREFIX; it never ships.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
