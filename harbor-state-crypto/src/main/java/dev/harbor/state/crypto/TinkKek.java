package dev.harbor.state.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import java.security.GeneralSecurityException;

/** The one implementation: a Tink AEAD primitive. */
final class TinkKek implements KeyEncryptionKey {
  private final Aead aead;

  private TinkKek(Aead aead) {
    this.aead = aead;
  }

  static TinkKek parse(String json, String where) {
    Crypto.register();
    try {
      KeysetHandle handle =
          TinkJsonProtoKeysetFormat.parseKeyset(
              json, RegistryConfiguration.get(), InsecureSecretKeyAccess.get());
      return new TinkKek(handle.getPrimitive(RegistryConfiguration.get(), Aead.class));
    } catch (GeneralSecurityException | RuntimeException e) {
      // The cause may quote the keyset; leave it out so no key material reaches a log.
      throw new IllegalArgumentException(where + " does not hold a Tink AEAD keyset", null);
    }
  }

  Aead aead() {
    return aead;
  }

  @Override
  public String toString() {
    return "KeyEncryptionKey[redacted]";
  }
}
