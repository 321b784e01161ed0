/*
 * A stand-in for bcryptprimitives.dll, for Wine releases without it
 * (Debian 12's Wine 8.0). The Go runtime (1.24 and later) loads it at
 * start-up for ProcessPrng; Wine added the DLL only in a later release.
 * ProcessPrng is BCryptGenRandom with the system RNG, in chunks because its
 * length is a ULONG. Built by testdata/wine/wintest.sh into a throw-away
 * Wine prefix, never a user's; real Windows (8.1 and later) ships its own.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
