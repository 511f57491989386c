using System.Text;
using Torsion.Cred;
using Torsion.Defer;

namespace Torsion.Tests.Cred;

public sealed class CheckerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("torsion-checkers-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<string> Run(Deferred<string> deferred) => deferred.AsTask().WaitAsync(Timeout);

    [Fact]
    public async Task In_memory_checker_accepts_the_right_password()
    {
        var checker = new InMemoryUsernamePasswordChecker([new("alice", "secret")]);
        Assert.Equal("alice", await Run(checker.RequestAvatarId(new UsernamePassword("alice", "secret"))));
    }

    [Theory]
    [InlineData("alice", "wrong")]
    [InlineData("bob", "secret")]
    [InlineData("", "")]
    public async Task In_memory_checker_refuses_a_wrong_password_or_unknown_user(string user, string password)
    {
        var checker = new InMemoryUsernamePasswordChecker([new("alice", "secret")]);
        var error = await Assert.ThrowsAsync<UnauthorizedLoginException>(() => Run(checker.RequestAvatarId(new UsernamePassword(user, password))));
        Assert.Equal("Login failed: unknown user or wrong credentials.", error.Message);
    }

    [Fact]
    public async Task In_memory_checker_answers_cram_md5_challenges()
    {
        var checker = new InMemoryUsernamePasswordChecker([new("tim", "tanstaaftanstaaf")]);
        var challenge = Encoding.ASCII.GetBytes("<1896.697170952@postoffice.reston.mci.net>");

        Assert.Equal("tim", await Run(checker.RequestAvatarId(new CramMd5Credentials("tim", challenge, "b913a602c7eda7a495b4e6e7334d3890"))));
        await Assert.ThrowsAsync<UnauthorizedLoginException>(() =>
            Run(checker.RequestAvatarId(new CramMd5Credentials("tim", challenge, "00000000000000000000000000000000"))));
    }

    [Fact]
    public async Task In_memory_checker_refuses_ssh_keys_as_unhandled()
    {
        var checker = new InMemoryUsernamePasswordChecker();
        var error = await Assert.ThrowsAsync<UnhandledCredentialsException>(() =>
            Run(checker.RequestAvatarId(new SshPublicKeyCredentials("alice", "ssh-ed25519", SshKeys.BlobOf(SshKeys.Ed25519)))));
        Assert.Equal("No checker accepts credentials of type SshPublicKeyCredentials; this portal accepts: IUsernamePassword, IUsernameHashedPassword.", error.Message);
    }

    [Fact]
    public async Task Password_file_checker_accepts_the_right_password_only()
    {
        var path = Path.Combine(_dir, "passwords");
        var file = new PasswordFile();
        file.Set("alice", PasswordHash.Create("secret", 1_000));
        file.Save(path);
        var checker = new PasswordFileChecker(path);

        Assert.Equal("alice", await Run(checker.RequestAvatarId(new UsernamePassword("alice", "secret"))));
        await Assert.ThrowsAsync<UnauthorizedLoginException>(() => Run(checker.RequestAvatarId(new UsernamePassword("alice", "Secret"))));
        await Assert.ThrowsAsync<UnauthorizedLoginException>(() => Run(checker.RequestAvatarId(new UsernamePassword("mallory", "secret"))));
    }

    [Fact]
    public async Task Password_file_checker_cannot_answer_challenges()
    {
        var path = Path.Combine(_dir, "passwords");
        File.WriteAllText(path, string.Empty);
        var checker = new PasswordFileChecker(path);

        Assert.Equal([typeof(IUsernamePassword)], checker.CredentialInterfaces);
        await Assert.ThrowsAsync<UnhandledCredentialsException>(() =>
            Run(checker.RequestAvatarId(new ApopCredentials("alice", "<1@x>", "00"))));
    }

    [Fact]
    public async Task Password_file_checker_sees_new_users_after_reload()
    {
        var path = Path.Combine(_dir, "passwords");
        File.WriteAllText(path, "# nobody yet\n");
        var checker = new PasswordFileChecker(path);
        var file = new PasswordFile();
        file.Set("bob", PasswordHash.Create("pw", 1_000));
        file.Save(path);

        await Assert.ThrowsAsync<UnauthorizedLoginException>(() => Run(checker.RequestAvatarId(new UsernamePassword("bob", "pw"))));
        checker.Reload();
        Assert.Equal("bob", await Run(checker.RequestAvatarId(new UsernamePassword("bob", "pw"))));
    }

    [Fact]
    public void Password_file_checker_reports_a_bad_line_when_made()
    {
        var path = Path.Combine(_dir, "passwords");
        File.WriteAllText(path, "alice\n");
        var error = Assert.Throws<CredentialFileFormatException>(() => new PasswordFileChecker(path));
        Assert.Equal($"{path}:1: expected 'user:$pbkdf2-sha256$ITERATIONS$SALT$HASH', found no ':'", error.Message);
    }

    [Fact]
    public async Task Authorized_keys_checker_accepts_a_listed_key_with_a_signature()
    {
        var checker = new AuthorizedKeysChecker(user => user == "alice" ? AuthorizedKey.ParseFile(SshKeys.Rsa + "\n" + SshKeys.Ed25519) : []);
        var credentials = new SshPublicKeyCredentials("alice", "ssh-ed25519", SshKeys.BlobOf(SshKeys.Ed25519), [1, 2, 3], [4, 5, 6]);

        Assert.Equal("alice", await Run(checker.RequestAvatarId(credentials)));
    }

    [Fact]
    public async Task Authorized_keys_checker_says_a_listed_key_without_signature_is_valid()
    {
        var checker = new AuthorizedKeysChecker(_ => AuthorizedKey.ParseFile(SshKeys.Ed25519));
        var credentials = new SshPublicKeyCredentials("alice", "ssh-ed25519", SshKeys.BlobOf(SshKeys.Ed25519));

        await Assert.ThrowsAsync<ValidPublicKeyException>(() => Run(checker.RequestAvatarId(credentials)));
    }

    [Fact]
    public async Task Authorized_keys_checker_refuses_a_key_not_listed_for_the_user()
    {
        var checker = new AuthorizedKeysChecker(user => user == "alice" ? AuthorizedKey.ParseFile(SshKeys.Ed25519) : []);

        await Assert.ThrowsAsync<UnauthorizedLoginException>(() =>
            Run(checker.RequestAvatarId(new SshPublicKeyCredentials("alice", "rsa-sha2-256", SshKeys.BlobOf(SshKeys.Rsa), [1], [2]))));
        await Assert.ThrowsAsync<UnauthorizedLoginException>(() =>
            Run(checker.RequestAvatarId(new SshPublicKeyCredentials("bob", "ssh-ed25519", SshKeys.BlobOf(SshKeys.Ed25519), [1], [2]))));
    }

    [Fact]
    public async Task Authorized_keys_files_are_read_per_user_and_bad_lines_fail_the_login_with_the_line()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "alice"));
        Directory.CreateDirectory(Path.Combine(_dir, "carol"));
        File.WriteAllText(Path.Combine(_dir, "alice", "authorized_keys"), $"# alice\nno-pty {SshKeys.Ecdsa256}\n");
        var carolKeys = Path.Combine(_dir, "carol", "authorized_keys");
        File.WriteAllText(carolKeys, $"{SshKeys.Ed25519}\nssh-ed25519 ???\n");
        var checker = AuthorizedKeysChecker.FromFiles(user => Path.Combine(_dir, user, "authorized_keys"));

        Assert.Equal("alice", await Run(checker.RequestAvatarId(
            new SshPublicKeyCredentials("alice", "ecdsa-sha2-nistp256", SshKeys.BlobOf(SshKeys.Ecdsa256), [1], [2]))));
        await Assert.ThrowsAsync<UnauthorizedLoginException>(() => Run(checker.RequestAvatarId(
            new SshPublicKeyCredentials("bob", "ecdsa-sha2-nistp256", SshKeys.BlobOf(SshKeys.Ecdsa256), [1], [2]))));
        await Assert.ThrowsAsync<UnauthorizedLoginException>(() => Run(checker.RequestAvatarId(
            new SshPublicKeyCredentials("../alice", "ecdsa-sha2-nistp256", SshKeys.BlobOf(SshKeys.Ecdsa256), [1], [2]))));
        var error = await Assert.ThrowsAsync<CredentialFileFormatException>(() => Run(checker.RequestAvatarId(
            new SshPublicKeyCredentials("carol", "ssh-ed25519", SshKeys.BlobOf(SshKeys.Ed25519), [1], [2]))));
        Assert.Equal($"{carolKeys}:2: the key data of the ssh-ed25519 key is not valid base64", error.Message);
    }

    [Fact]
    public async Task Anonymous_access_gives_the_anonymous_avatar_id()
    {
        var checker = new AllowAnonymousAccess();
        Assert.Equal(Anonymous.AvatarId, await Run(checker.RequestAvatarId(Anonymous.Instance)));
        await Assert.ThrowsAsync<UnhandledCredentialsException>(() => Run(checker.RequestAvatarId(new UsernamePassword("a", "b"))));
    }
}
