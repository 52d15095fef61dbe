package dev.harbor.state.postgres;

/**
 * The conformance kit with {@code rowSecurity=on}, as the least-privilege role (a superuser, as the
 * test server's own user is, bypasses row-level security, so only a role like this one proves the
 * policy lets every scenario through): the owner migrates with {@code rowSecurity=on}, which forces
 * row-level security on the records table; the store opens with {@code migrate=verify} and {@code
 * rowSecurity=on}, which checks that it is.
 */
class RowSecurityTckTest extends LeastPrivilegeTckTest {

  @Override
  String[] options() {
    return new String[] {"rowSecurity=on"};
  }
}
