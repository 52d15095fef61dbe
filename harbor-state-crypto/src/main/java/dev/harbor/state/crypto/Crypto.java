package dev.harbor.state.crypto;

import com.google.crypto.tink.aead.AeadConfig;
import java.security.GeneralSecurityException;

/** Registers Tink's AEAD key managers once per JVM (Tink's registry is process-wide). */
final class Crypto {

  private static volatile boolean registered;

  private Crypto() {}

  static void register() {
    if (registered) {
      return;
    }
    synchronized (Crypto.class) {
      if (!registered) {
        try {
          AeadConfig.register();
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("cannot register Tink's AEAD", e);
        }
        registered = true;
      }
    }
  }
}
