using Torsion.Cred;

namespace Torsion.Tests.Cred;

public sealed class AuthorizedKeyTests
{
    [Theory]
    [InlineData(SshKeys.Ed25519, "ssh-ed25519", "alice@laptop")]
    [InlineData(SshKeys.Ecdsa256, "ecdsa-sha2-nistp256", "")]
    [InlineData(SshKeys.Ecdsa384, "ecdsa-sha2-nistp384", "ec384")]
    [InlineData(SshKeys.Ecdsa521, "ecdsa-sha2-nistp521", "e521")]
    [InlineData(SshKeys.Rsa, "ssh-rsa", "rsa key")]
    public void Each_supported_key_type_parses(string line, string type, string comment)
    {
        var key = AuthorizedKey.Parse(line);

        Assert.Equal(type, key.KeyType);
        Assert.Equal(comment, key.Comment);
        Assert.Empty(key.Options);
        Assert.Equal(SshKeys.BlobOf(line), key.Blob.ToArray());
        Assert.Equal(line.TrimEnd(), key.ToString());
    }

    [Fact]
    public void Options_before_the_key_are_kept_with_quoted_commas_and_spaces()
    {
        var key = AuthorizedKey.Parse("from=\"10.0.0.0/8,192.168.1.1\",command=\"echo \\\"hi there\\\"\",no-pty " + SshKeys.Ed25519);

        Assert.Equal(["from=\"10.0.0.0/8,192.168.1.1\"", "command=\"echo \\\"hi there\\\"\"", "no-pty"], key.Options);
        Assert.Equal("ssh-ed25519", key.KeyType);
        Assert.Equal("alice@laptop", key.Comment);
    }

    [Fact]
    public void A_file_skips_blank_lines_and_comments()
    {
        var keys = AuthorizedKey.ParseFile($"# keys of alice\n\n{SshKeys.Ed25519}\r\n   \n{SshKeys.Rsa}\n");

        Assert.Equal(["ssh-ed25519", "ssh-rsa"], keys.Select(k => k.KeyType));
    }

    [Fact]
    public void A_bad_line_is_reported_with_the_file_and_line_number()
    {
        var error = Assert.Throws<CredentialFileFormatException>(() =>
            AuthorizedKey.ParseFile($"{SshKeys.Ed25519}\n# comment\nssh-dss AAAAB3NzaC1kc3M= old\n", "/home/alice/.ssh/authorized_keys"));

        Assert.Equal(3, error.LineNumber);
        Assert.Equal("/home/alice/.ssh/authorized_keys:3: unsupported key type 'ssh-dss' (supported: ssh-rsa, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-ed25519)", error.Message);
    }

    [Fact]
    public void An_unknown_key_type_after_options_is_named()
    {
        var error = Assert.Throws<FormatException>(() => AuthorizedKey.Parse("no-pty ssh-dss AAAA"));
        Assert.Equal("unsupported key type 'ssh-dss' (supported: ssh-rsa, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-ed25519)", error.Message);
    }

    [Fact]
    public void A_word_that_is_neither_option_nor_key_type_is_named()
    {
        var error = Assert.Throws<FormatException>(() => AuthorizedKey.Parse("hello/world AAAA"));
        Assert.Equal("'hello/world' is neither a key type nor an option", error.Message);
    }

    [Fact]
    public void Key_data_that_is_not_base64_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => AuthorizedKey.Parse("ssh-ed25519 not*base64 me"));
        Assert.Equal("the key data of the ssh-ed25519 key is not valid base64", error.Message);
    }

    [Fact]
    public void Missing_key_data_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => AuthorizedKey.Parse("ssh-ed25519"));
        Assert.Equal("no key data after 'ssh-ed25519'", error.Message);
    }

    [Fact]
    public void Key_data_of_another_type_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => AuthorizedKey.Parse("ssh-rsa " + SshKeys.Ed25519.Split(' ')[1]));
        Assert.Equal("the key data says 'ssh-ed25519', not 'ssh-rsa'", error.Message);
    }

    [Fact]
    public void Truncated_key_data_is_refused()
    {
        var blob = SshKeys.BlobOf(SshKeys.Ed25519)[..^4];
        var error = Assert.Throws<FormatException>(() => AuthorizedKey.Parse("ssh-ed25519 " + Convert.ToBase64String(blob)));
        Assert.Equal("the ssh-ed25519 key data is cut short in its public key", error.Message);
    }

    [Fact]
    public void An_ecdsa_key_on_another_curve_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => AuthorizedKey.Parse("ecdsa-sha2-nistp256 " + SshKeys.Ecdsa384.Split(' ')[1]));
        Assert.Equal("the key data says 'ecdsa-sha2-nistp384', not 'ecdsa-sha2-nistp256'", error.Message);
    }

    [Fact]
    public void An_unclosed_quote_in_options_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => AuthorizedKey.Parse("command=\"ls " + SshKeys.Ed25519));
        Assert.Equal("an option has an unclosed '\"'", error.Message);
    }

    [Fact]
    public void An_empty_option_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => AuthorizedKey.Parse("no-pty,," + SshKeys.Ed25519));
        Assert.Equal("an option is empty (two commas, or a comma at the end)", error.Message);
    }
}
