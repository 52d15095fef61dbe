package dev.harbor.state.crypto;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Objects;

/**
 * The key-encryption key (KEK, the master key): it wraps every tenant's keyset in a {@link
 * TenantKeys#keyring keyring}, so the keyring's files reveal no data key without it.
 *
 * <p>It is a Tink AEAD keyset in Tink's cleartext JSON format, kept in a file ({@link #fromFile})
 * or, base64-encoded, in an environment variable ({@link #fromEnvironment}). Make one with {@link
 * #createFile} or {@code harbor-state kek new --out FILE}. Keep it apart from the database and its
 * backups: whoever holds both the KEK and a keyring reads every payload.
 */
public sealed interface KeyEncryptionKey permits TinkKek {

  /**
   * Reads a KEK from a file holding a cleartext Tink AEAD keyset (JSON).
   *
   * @param file the keyset file
   * @return the key
   * @throws IllegalArgumentException if the file cannot be read or is not an AEAD keyset (the
   *     message names the file, never its content)
   * @throws NullPointerException if {@code file} is null
   */
  static KeyEncryptionKey fromFile(Path file) {
    Objects.requireNonNull(file, "file");
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read the key-encryption key file " + file, e);
    }
    return TinkKek.parse(json, "the key-encryption key file " + file);
  }

  /**
   * Reads a KEK from an environment variable holding the same JSON keyset as {@link #fromFile},
   * base64-encoded.
   *
   * @param variable the variable's name, such as {@code HARBOR_STATE_KEK}
   * @return the key
   * @throws IllegalArgumentException if the variable is unset or does not hold a base64 AEAD keyset
   *     (the message names the variable, never its value)
   * @throws NullPointerException if {@code variable} is null
   */
  static KeyEncryptionKey fromEnvironment(String variable) {
    Objects.requireNonNull(variable, "variable");
    String value = System.getenv(variable);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("the environment variable " + variable + " is not set");
    }
    String json;
    try {
      json = new String(Base64.getMimeDecoder().decode(value.strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the environment variable " + variable + " is not base64", null);
    }
    return TinkKek.parse(json, "the environment variable " + variable);
  }

  /**
   * Creates a new KEK (a fresh AES-256-GCM Tink keyset) in a new file, readable by its owner only.
   *
   * @param file where to write it; must not exist
   * @return the new key
   * @throws IllegalArgumentException if the file exists or cannot be written
   * @throws NullPointerException if {@code file} is null
   */
  static KeyEncryptionKey createFile(Path file) {
    Objects.requireNonNull(file, "file");
    if (Files.exists(file)) {
      throw new IllegalArgumentException("refusing to overwrite " + file);
    }
    Crypto.register();
    try {
      KeysetHandle handle =
          KeysetHandle.generateNew(
              PredefinedAeadParameters.AES256_GCM, RegistryConfiguration.get());
      String json =
          TinkJsonProtoKeysetFormat.serializeKeyset(
              handle, RegistryConfiguration.get(), InsecureSecretKeyAccess.get());
      Path dir = file.toAbsolutePath().getParent();
      KeyringFiles.writeAtomically(
          dir == null ? Path.of(".") : dir, file.getFileName().toString(), json, false);
      return TinkKek.parse(json, "the new key-encryption key");
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot create the key-encryption key file " + file, e);
    }
  }
}
