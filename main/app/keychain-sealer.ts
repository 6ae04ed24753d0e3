// "Remember me" keys sealed by the OS keychain through Electron's safeStorage
// (macOS Keychain, Windows DPAPI, libsecret or kwallet on Linux). Where no
// keychain is available the node falls back to file permissions, as headless.
import { safeStorage } from 'electron'
import type { SecretSealer } from '../core/account/index.ts'

export function keychainSealer(): SecretSealer | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined
  return {
    name: 'electron-safe-storage',
    seal: (plain) => safeStorage.encryptString(Buffer.from(plain).toString('base64')),
    open: (sealed) => Buffer.from(safeStorage.decryptString(Buffer.from(sealed)), 'base64'),
  }
}
