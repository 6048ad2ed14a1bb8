print("slipway-initrd")
