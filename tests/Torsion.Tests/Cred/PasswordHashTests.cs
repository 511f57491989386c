using Torsion.Cred;

namespace Torsion.Tests.Cred;

public sealed class PasswordHashTests
{
    [Fact]
    public void A_new_hash_verifies_its_password_only()
    {
        var hash = PasswordHash.Create("correct horse", iterations: 1_000);

        Assert.True(hash.Verify("correct horse"));
        Assert.False(hash.Verify("correct horse "));
        Assert.False(hash.Verify(string.Empty));
    }

    [Fact]
    public void New_hashes_use_600000_iterations_and_a_random_salt()
    {
        var first = PasswordHash.Create("pw");
        var second = PasswordHash.Create("pw");

        Assert.Equal(600_000, first.Iterations);
        Assert.Equal(PasswordHash.SaltSize, first.Salt.Length);
        Assert.False(first.Salt.SequenceEqual(second.Salt));
        Assert.NotEqual(first.ToString(), second.ToString());
    }

    [Fact]
    public void The_string_form_round_trips()
    {
        var hash = PasswordHash.Create("pw", iterations: 1_000);
        var text = hash.ToString();

        Assert.Matches(@"^\$pbkdf2-sha256\$1000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$", text);
        Assert.True(PasswordHash.Parse(text).Verify("pw"));
        Assert.Equal(text, PasswordHash.Parse(text).ToString());
    }

    [Fact]
    public void A_published_pbkdf2_sha256_vector_verifies()
    {
        // P="passwordPASSWORDpassword", S="saltSALTsaltSALTsaltSALTsaltSALTsalt", c=4096, dkLen=40.
        var salt = Convert.ToBase64String("saltSALTsaltSALTsaltSALTsaltSALTsalt"u8);
        var derived = Convert.ToBase64String(Convert.FromHexString("348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9"));
        var hash = PasswordHash.Parse($"$pbkdf2-sha256$4096${salt}${derived}");

        Assert.True(hash.Verify("passwordPASSWORDpassword"));
        Assert.False(hash.Verify("password"));
    }

    [Theory]
    [InlineData("pbkdf2-sha256$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "expected '$pbkdf2-sha256$ITERATIONS$SALT$HASH', found 'pbkdf2-sha256$1$c2FsdHNhbHQ=$aGFzaGhhc2h...'")]
    [InlineData("$bcrypt$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "unsupported hash scheme 'bcrypt' (expected 'pbkdf2-sha256')")]
    [InlineData("$pbkdf2-sha256$-5$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "iteration count '-5' is not a positive whole number")]
    [InlineData("$pbkdf2-sha256$0$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "iteration count '0' is not a positive whole number")]
    [InlineData("$pbkdf2-sha256$10$c2Fsd$aGFzaGhhc2hoYXNoaGFzaA==", "salt 'c2Fsd' is not base64 of at least 8 bytes")]
    [InlineData("$pbkdf2-sha256$10$c2FsdHNhbHQ=$aGFzaA==", "hash 'aGFzaA==' is not base64 of at least 16 bytes")]
    public void Each_bad_part_is_named(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => PasswordHash.Parse(text));
        Assert.Equal(message, error.Message);
    }
}
